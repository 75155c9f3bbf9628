import { applyDecorators, createParamDecorator } from '@nestjs/common';
import type { ExecutionContext } from '@nestjs/common';
import { ApiHeader } from '@nestjs/swagger';

import type { Principal } from '@gov/platform-auth';
import { ApplicationError, commandRequestMeta, header } from '@gov/platform-chassis';
import type { FieldError, HttpRequest } from '@gov/platform-chassis';
import { DECLARATION_LIMITS, LEGAL_BASIS_HEADER, PURPOSE_HEADER } from '@gov/registry-application';
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
  if (request.method === 'GET') checkReadDeclaration(purpose, legalBasis, procedureId);
  const bearer = /^Bearer (\S+)$/i.exec(header(request, 'authorization') ?? '')?.[1];
  return {
    ...commandRequestMeta(request),
    ...(purpose === undefined ? {} : { purpose }),
    ...(legalBasis === undefined ? {} : { legalBasis }),
    ...(procedureId === undefined ? {} : { procedureId }),
    ...(bearer === undefined ? {} : { bearerToken: bearer }),
  };
});

/**
 * The bounds `ApiReadDeclaration` states, checked for every caller before the record is looked
 * up: an oversized declaration is a 400 whether or not the record exists, and whoever reads.
 * (The access policy checks an agency's declaration in full, printable text included.)
 */
function checkReadDeclaration(
  purpose: string | undefined,
  legalBasis: string | undefined,
  procedureId: string | undefined,
): void {
  const errors: FieldError[] = [];
  const tooLong = (value: string | undefined, max: number): boolean =>
    value !== undefined && Array.from(value).length > max;
  if (tooLong(purpose, DECLARATION_LIMITS.purpose)) {
    errors.push({
      field: PURPOSE_HEADER,
      message: `must be at most ${DECLARATION_LIMITS.purpose} characters`,
    });
  }
  if (tooLong(legalBasis, DECLARATION_LIMITS.legalBasis)) {
    errors.push({
      field: LEGAL_BASIS_HEADER,
      message: `must be at most ${DECLARATION_LIMITS.legalBasis} characters`,
    });
  }
  if (procedureId !== undefined && !PROCEDURE_ID.test(procedureId)) {
    errors.push({
      field: 'X-Procedure',
      message: 'must be a procedure id: letters, digits and . _ : -, at most 100',
    });
  }
  if (errors.length > 0) {
    throw ApplicationError.validationFailed('the read declaration headers are invalid', errors);
  }
}

const PROCEDURE_ID = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,99}$/;

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
      schema: {
        type: 'string',
        maxLength: DECLARATION_LIMITS.purpose,
        example: 'family-allowance-eligibility',
      },
    }),
    ApiHeader({
      name: 'X-Legal-Basis',
      required: false,
      description:
        'Agencies: the id of the legal basis of theirs in the catalogue they read on (optional: ' +
        'without it the registry takes the basis of theirs that covers the purpose, else the ' +
        'person’s consent). Registrars: a case reference, recorded as the legal basis.',
      schema: {
        type: 'string',
        maxLength: DECLARATION_LIMITS.legalBasis,
        example: 'ccss-family-allowances',
      },
    }),
    ApiHeader({
      name: 'X-Procedure',
      required: false,
      description:
        'The procedure the read is made for (e.g. the procedures service prefilling a form); ' +
        'recorded with the access',
      schema: { type: 'string', pattern: PROCEDURE_ID.source },
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
