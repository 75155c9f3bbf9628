import { STATUS_CODES } from 'node:http';

import { HttpException, HttpStatus } from '@nestjs/common';

import { ApplicationError } from './application-error';
import { toApplicationError } from './platform-errors';
import type { RejectionStatuses } from './platform-errors';
import type { ProblemDetails } from './problem-details';

/** What the mapping needs to know about the failed request. */
export interface RequestFacts {
  readonly method: string;
  /** The request path without query string. */
  readonly path: string;
  readonly requestId?: string;
  /** The request's `Content-Type` header, if any. */
  readonly contentType?: string;
  /** The server's request body limit, to explain a 413. */
  readonly bodyLimitBytes: number;
  /**
   * The methods the server serves at this path, for a request no route matched: none for an
   * unknown path (404), the `Allow` list of a 405 otherwise.
   */
  readonly allowedMethods?: readonly string[];
}

/** An error response, and whether the failure is a fault to log. */
export interface ProblemResponse {
  readonly problem: ProblemDetails;
  readonly headers: Readonly<Record<string, string>>;
  /**
   * A fault rather than an outcome the code chose: log it with its stack. Deliberate refusals,
   * 503 included, are recorded by the request log line alone.
   */
  readonly unexpected: boolean;
}

/**
 * The one place that turns anything thrown while serving a request into an HTTP response:
 * the platform's errors (rejections by a decider, with the service's `rejections` table, and
 * the event store's errors; see {@link toApplicationError}) and {@link ApplicationError}s by
 * kind, Nest `HttpException`s by their status (which covers the errors Fastify raises before a
 * handler runs: malformed JSON, body too large, unsupported media type, unknown route), and
 * everything else into a 500 that reveals nothing.
 */
export function toProblem(
  thrown: unknown,
  request: RequestFacts,
  rejections: RejectionStatuses = {},
): ProblemResponse {
  const exception = toApplicationError(thrown, rejections);
  if (exception instanceof ApplicationError) return fromApplicationError(exception, request);
  if (exception instanceof HttpException) return fromHttpException(exception, request);
  return internalError(request);
}

function fromApplicationError(error: ApplicationError, request: RequestFacts): ProblemResponse {
  const { reason } = error;
  const respond = (
    status: HttpStatus,
    members: Partial<ProblemDetails> = {},
    headers: Record<string, string> = {},
  ): ProblemResponse => ({
    problem: problem(status, error.message, request, { ...error.extensions, ...members }),
    headers,
    unexpected: false,
  });
  switch (reason.kind) {
    case 'not-found':
      return respond(HttpStatus.NOT_FOUND);
    case 'conflict':
      return respond(HttpStatus.CONFLICT);
    case 'gone':
      return respond(HttpStatus.GONE);
    case 'precondition-failed':
      return respond(HttpStatus.PRECONDITION_FAILED);
    case 'validation-failed':
      // 400 with the offending fields in `errors`: the platform's API contract answers every
      // invalid input (unparseable or not) with 400, so clients have one case to handle.
      return respond(HttpStatus.BAD_REQUEST, { errors: reason.errors });
    case 'unprocessable':
      return respond(HttpStatus.UNPROCESSABLE_ENTITY);
    case 'unauthorized':
      return respond(
        HttpStatus.UNAUTHORIZED,
        {},
        reason.challenge === undefined ? {} : { 'www-authenticate': reason.challenge },
      );
    case 'forbidden':
      return respond(HttpStatus.FORBIDDEN);
    case 'too-many-requests':
      return respond(
        HttpStatus.TOO_MANY_REQUESTS,
        {},
        { 'retry-after': String(Math.max(1, Math.ceil(reason.retryAfterSeconds))) },
      );
    case 'service-unavailable':
      return respond(
        HttpStatus.SERVICE_UNAVAILABLE,
        {},
        reason.retryAfterSeconds === undefined
          ? {}
          : { 'retry-after': String(Math.max(0, Math.ceil(reason.retryAfterSeconds))) },
      );
    default: {
      const unhandled: never = reason;
      throw new Error(`Unhandled application error reason ${JSON.stringify(unhandled)}`);
    }
  }
}

function fromHttpException(exception: HttpException, request: RequestFacts): ProblemResponse {
  const status = exception.getStatus();
  if (status < 400 || status > 599 || status === 500) return internalError(request);
  const frameworkDetail = httpExceptionDetail(exception);
  const allowed = request.allowedMethods ?? [];
  if (isUnknownRoute(status, frameworkDetail) && allowed.length > 0) {
    // The path exists under other methods (RFC 9110 §15.5.6): say which, rather than deny it.
    return {
      problem: problem(
        HttpStatus.METHOD_NOT_ALLOWED,
        `${request.path} does not support ${request.method}; it supports ${allowed.join(', ')}`,
        request,
      ),
      headers: { allow: allowed.join(', ') },
      unexpected: false,
    };
  }
  const detail = clarifyFrameworkDetail(status, frameworkDetail, request);
  return {
    problem: problem(status, detail, request),
    headers: {},
    unexpected: false,
  };
}

/** The message of an `HttpException`, whether built from a string, an object or Nest's default. */
function httpExceptionDetail(exception: HttpException): string | undefined {
  const response = exception.getResponse();
  if (typeof response === 'string') return response;
  const message = (response as { message?: unknown }).message;
  if (typeof message === 'string') return message;
  if (Array.isArray(message) && message.every((item) => typeof item === 'string')) {
    return message.join('; ');
  }
  return undefined;
}

/**
 * The framework's own messages for errors raised before a handler runs, which Nest hands on as
 * plain `HttpException`s. Some say too little to act on (which limit, which media type), and
 * Nest's unknown-route message echoes the query string, which may carry personal data.
 */
function clarifyFrameworkDetail(
  status: number,
  detail: string | undefined,
  request: RequestFacts,
): string | undefined {
  if (isUnknownRoute(status, detail)) {
    return `No route matches ${request.method} ${request.path}`;
  }
  if (status === 413 && detail === 'Request body is too large') {
    return `Request body is larger than the limit of ${request.bodyLimitBytes} bytes`;
  }
  if (status === 415 && detail === 'Unsupported Media Type') {
    return request.contentType === undefined
      ? 'The request has a body but no Content-Type header'
      : `Content-Type ${JSON.stringify(request.contentType)} is not supported`;
  }
  return detail;
}

/** Nest's answer when no route matches the method and path: `Cannot GET /nowhere`. */
function isUnknownRoute(status: number, detail: string | undefined): boolean {
  return status === 404 && detail !== undefined && /^Cannot [A-Z]+ \S*$/.test(detail);
}

function internalError(request: RequestFacts): ProblemResponse {
  return {
    problem: problem(
      HttpStatus.INTERNAL_SERVER_ERROR,
      'An unexpected error occurred; it has been logged with the request id',
      request,
    ),
    headers: {},
    unexpected: true,
  };
}

function problem(
  status: number,
  detail: string | undefined,
  request: RequestFacts,
  members: Partial<ProblemDetails> = {},
): ProblemDetails {
  const title = STATUS_CODES[status] ?? 'Error';
  return {
    // Extensions first: they may add members, never replace the standard ones.
    ...members,
    type: 'about:blank',
    title,
    status,
    ...(detail === undefined || detail === '' || detail === title ? {} : { detail }),
    instance: request.path,
    ...(request.requestId === undefined ? {} : { requestId: request.requestId }),
  };
}
