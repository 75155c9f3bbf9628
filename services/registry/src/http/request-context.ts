import { createParamDecorator } from '@nestjs/common';
import type { ExecutionContext } from '@nestjs/common';

import { ApplicationError } from '@gov/platform-chassis';
import type { Principal } from '@gov/platform-auth';
import { parseTraceparent } from '@gov/registry-application';
import type { IdempotencySeed, RequestContext } from '@gov/registry-application';

/** The parts of a Fastify request the HTTP layer reads. */
export interface HttpRequest {
  readonly id: string;
  readonly method: string;
  readonly url: string;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly body?: unknown;
  /** Set by the idempotency interceptor for a request with an `Idempotency-Key`. */
  idempotency?: IdempotencySeed;
}

/** The parts of a Fastify reply the HTTP layer writes. */
export interface HttpReply {
  readonly statusCode: number;
  header(name: string, value: string): unknown;
  getHeader(name: string): unknown;
  status(code: number): unknown;
}

/** A request header's value (the first, if repeated). */
export function header(request: HttpRequest, name: string): string | undefined {
  const value = request.headers[name.toLowerCase()];
  return Array.isArray(value) ? value[0] : value;
}

/** Everything of the request context but the principal (which `CurrentPrincipal` gives). */
export type RequestMeta = Omit<RequestContext, 'principal'>;

/**
 * The request's id (the correlation id of the events it causes), its W3C trace context, an
 * agency's declared purpose and legal basis (`X-Purpose`, `X-Legal-Basis`), and the idempotency
 * seed. A `traceparent` that is not a valid W3C one is ignored, not refused.
 */
export const Meta = createParamDecorator((_: unknown, context: ExecutionContext): RequestMeta => {
  const request = context.switchToHttp().getRequest<HttpRequest>();
  const traceparent = parseTraceparent(header(request, 'traceparent'));
  const tracestate = header(request, 'tracestate');
  const purpose = header(request, 'x-purpose');
  const legalBasis = header(request, 'x-legal-basis');
  return {
    correlationId: request.id,
    ...(traceparent === undefined ? {} : { traceparent }),
    // W3C caps tracestate at 512 characters; a longer one is dropped, as a proxy would.
    ...(traceparent !== undefined && tracestate !== undefined && tracestate.length <= 512
      ? { tracestate }
      : {}),
    ...(purpose === undefined ? {} : { purpose }),
    ...(legalBasis === undefined ? {} : { legalBasis }),
    ...(request.idempotency === undefined ? {} : { idempotency: request.idempotency }),
  };
});

/** The application's request context. */
export function requestContext(principal: Principal, meta: RequestMeta): RequestContext {
  return { principal, ...meta };
}

/**
 * The version a write is conditional on: `If-Match: "<version>"` (the `ETag` of the record's
 * last read or write). Absent, or `*`, means unconditional. Anything else is a 400: a client
 * that meant to be careful must not be served as if it had not.
 */
export const IfMatch = createParamDecorator(
  (_: unknown, context: ExecutionContext): number | undefined =>
    parseIfMatch(header(context.switchToHttp().getRequest<HttpRequest>(), 'if-match')),
);

export function parseIfMatch(value: string | undefined): number | undefined {
  if (value === undefined || value.trim() === '*') return undefined;
  const match = /^\s*"(\d{1,15})"\s*$/.exec(value);
  if (!match?.[1]) {
    throw ApplicationError.validationFailed('If-Match must be an ETag of this API, e.g. "3"', [
      { field: 'If-Match', message: 'must be one entity tag "<version>", e.g. "3"' },
    ]);
  }
  return Number(match[1]);
}

/** Sets the record's version as its (strong) `ETag`. */
export function setETag(reply: HttpReply, version: number): void {
  reply.header('etag', `"${version}"`);
}

/** Sets the `ETag` of a write's answer to the record's new version and returns the answer. */
export function withETag<T extends { readonly version: number }>(reply: HttpReply, result: T): T {
  setETag(reply, result.version);
  return result;
}
