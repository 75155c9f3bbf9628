import { createParamDecorator } from '@nestjs/common';
import type { ExecutionContext } from '@nestjs/common';

import type { RequestContext } from '@gov/procedures-application';
import { principalOf } from '@gov/platform-auth';
import { commandRequestMeta, header } from '@gov/platform-chassis';
import type { HttpRequest } from '@gov/platform-chassis';

/**
 * The application's request context: the verified principal, the request's metadata, and the
 * bearer token (forwarded to the letterbox and the consent service on the caller's behalf).
 */
export const Context = createParamDecorator(
  (_: unknown, context: ExecutionContext): RequestContext => {
    const request = context.switchToHttp().getRequest<HttpRequest>();
    const principal = principalOf(request);
    if (principal === undefined) throw new Error('Context needs the AuthGuard on the route');
    const bearer = /^Bearer (\S+)$/i.exec(header(request, 'authorization') ?? '')?.[1];
    return {
      principal,
      ...commandRequestMeta(request),
      ...(bearer === undefined ? {} : { bearerToken: bearer }),
    };
  },
);
