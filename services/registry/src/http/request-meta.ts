import { applyDecorators, createParamDecorator } from '@nestjs/common';
import type { ExecutionContext } from '@nestjs/common';
import { ApiHeader } from '@nestjs/swagger';

import type { Principal } from '@gov/platform-auth';
import { commandRequestMeta, header } from '@gov/platform-chassis';
import type { HttpRequest } from '@gov/platform-chassis';
import type { RequestContext } from '@gov/registry-application';

/** Everything of the request context but the principal (which `CurrentPrincipal` gives). */
export type RequestMeta = Omit<RequestContext, 'principal'>;

/**
 * What every command carries from its request (see `commandRequestMeta`), and an agency's
 * declared purpose and legal basis of a read (`X-Purpose`, `X-Legal-Basis`), which the
 * registry records in the person's access log.
 */
export const Meta = createParamDecorator((_: unknown, context: ExecutionContext): RequestMeta => {
  const request = context.switchToHttp().getRequest<HttpRequest>();
  const purpose = header(request, 'x-purpose');
  const legalBasis = header(request, 'x-legal-basis');
  const procedureId = header(request, 'x-procedure');
  const bearer = /^Bearer (\S+)$/i.exec(header(request, 'authorization') ?? '')?.[1];
  return {
    ...commandRequestMeta(request),
    ...(purpose === undefined ? {} : { purpose }),
    ...(legalBasis === undefined ? {} : { legalBasis }),
    ...(procedureId === undefined ? {} : { procedureId }),
    ...(bearer === undefined ? {} : { bearerToken: bearer }),
  };
});

/** The application's request context. */
export function requestContext(principal: Principal, meta: RequestMeta): RequestContext {
  return { principal, ...meta };
}

/** An agency's declaration of a read. */
export const ApiReadDeclaration = (): MethodDecorator =>
  applyDecorators(
    ApiHeader({
      name: 'X-Purpose',
      required: false,
      description:
        'Agencies: why the data is read, as the legal-basis catalogue names purposes (required ' +
        'for them, 400 without); recorded in the person’s access log',
      schema: { type: 'string', maxLength: 200, example: 'family-allowance-eligibility' },
    }),
    ApiHeader({
      name: 'X-Legal-Basis',
      required: false,
      description:
        'Agencies: the id of the legal basis of theirs in the catalogue they read on (optional: ' +
        'without it the registry takes the basis of theirs that covers the purpose, else the ' +
        'person’s consent). Registrars: a case reference, recorded as the legal basis.',
      schema: { type: 'string', maxLength: 500, example: 'ccss-family-allowances' },
    }),
    ApiHeader({
      name: 'X-Procedure',
      required: false,
      description:
        'The procedure the read is made for (e.g. the procedures service prefilling a form); ' +
        'recorded with the access',
      schema: { type: 'string', pattern: '^[A-Za-z0-9][A-Za-z0-9._:-]{0,99}$' },
    }),
    ApiHeader({
      name: 'traceparent',
      required: false,
      description: 'W3C trace context; its trace id is recorded with the access',
      schema: {
        type: 'string',
        example: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01',
      },
    }),
  );
