import { createParamDecorator } from '@nestjs/common';
import type { ExecutionContext } from '@nestjs/common';

import { ApplicationError } from '../errors/application-error';

/**
 * Set on a request that carries an `Idempotency-Key`: the ids of the events a creation appends
 * derive from it, so that re-running a creation whose answer was lost cannot append a second
 * record.
 */
export interface IdempotencySeed {
  /** A hash of the caller and the `Idempotency-Key` (hex). */
  readonly seed: string;
  /** When the key was first seen; the time part of ids derived from the seed. */
  readonly firstSeenAt: Date;
}

/** The parts of a Fastify request the HTTP plumbing reads. */
export interface HttpRequest {
  readonly id: string;
  readonly method: string;
  readonly url: string;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly body?: unknown;
  /** Set by the idempotency interceptor for a request with an `Idempotency-Key`. */
  idempotency?: IdempotencySeed;
}

/** The parts of a Fastify reply the HTTP plumbing writes. */
export interface HttpReply {
  readonly statusCode: number;
  header(name: string, value: string): unknown;
  getHeader(name: string): unknown;
  status(code: number): unknown;
}

/** A request header's value (the first, if repeated). */
export function header(request: Pick<HttpRequest, 'headers'>, name: string): string | undefined {
  const value = request.headers[name.toLowerCase()];
  return Array.isArray(value) ? value[0] : value;
}

/** What every command of every service carries from its request, besides the caller. */
export interface CommandRequestMeta {
  /** The request's id: the correlation id of every event it causes. */
  readonly correlationId: string;
  /** W3C trace context, if the request came with a valid one. */
  readonly traceparent?: string;
  readonly tracestate?: string;
  /** The idempotency seed, when the request carries an `Idempotency-Key`. */
  readonly idempotency?: IdempotencySeed;
}

// W3C Trace Context, version 00 (and later versions' first four fields): the store accepts no
// other form, so anything else is dropped rather than failing the request.
const TRACEPARENT = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;

/**
 * A valid W3C `traceparent` in lower case, or `undefined` for anything else (absent, malformed,
 * version `ff`, all-zero ids): an invalid trace header is ignored, as a tracer ignores it.
 */
export function parseTraceparent(value: string | undefined): string | undefined {
  const normalised = value?.trim().toLowerCase();
  const match = normalised === undefined ? null : TRACEPARENT.exec(normalised);
  if (!match || match[1] === 'ff' || /^0+$/.test(match[2] ?? '') || /^0+$/.test(match[3] ?? '')) {
    return undefined;
  }
  return normalised;
}

/**
 * The request's id (the correlation id of the events it causes), its W3C trace context and its
 * idempotency seed. A `traceparent` that is not a valid W3C one is ignored, not refused; a
 * `tracestate` longer than W3C's 512 characters is dropped, as a proxy would.
 */
export function commandRequestMeta(request: HttpRequest): CommandRequestMeta {
  const traceparent = parseTraceparent(header(request, 'traceparent'));
  const tracestate = header(request, 'tracestate');
  return {
    correlationId: request.id,
    ...(traceparent === undefined ? {} : { traceparent }),
    ...(traceparent !== undefined && tracestate !== undefined && tracestate.length <= 512
      ? { tracestate }
      : {}),
    ...(request.idempotency === undefined ? {} : { idempotency: request.idempotency }),
  };
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

/** Parses an `If-Match` header value; see {@link IfMatch}. */
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

/** Sets a stream's version as the answer's (strong) `ETag`. */
export function setETag(reply: HttpReply, version: number): void {
  reply.header('etag', `"${version}"`);
}

/** Sets the `ETag` of a write's answer to the record's new version and returns the answer. */
export function withETag<T extends { readonly version: number }>(reply: HttpReply, result: T): T {
  setETag(reply, result.version);
  return result;
}
