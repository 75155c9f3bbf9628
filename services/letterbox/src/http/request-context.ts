import { createParamDecorator } from '@nestjs/common';
import type { ExecutionContext } from '@nestjs/common';

import type { RequestContext } from '@gov/letterbox-application';
import { principalOf } from '@gov/platform-auth';
import { commandRequestMeta } from '@gov/platform-chassis';
import type { HttpRequest } from '@gov/platform-chassis';

/** The application's request context: the verified principal and the request's metadata. */
export const Context = createParamDecorator(
  (_: unknown, context: ExecutionContext): RequestContext => {
    const request = context.switchToHttp().getRequest<HttpRequest>();
    const principal = principalOf(request);
    if (principal === undefined) throw new Error('Context needs the AuthGuard on the route');
    return { principal, ...commandRequestMeta(request) };
  },
);
