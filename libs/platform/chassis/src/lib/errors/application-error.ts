import type { FieldError } from './problem-details';

/**
 * Why an application refused a request: the closed set of outcomes a service can report to an
 * HTTP client. Each kind has one HTTP status (mapped in one place, `toProblem`), so application
 * code says what happened, never which status code to send.
 */
export type ApplicationErrorReason =
  /** The addressed resource does not exist (404). */
  | { readonly kind: 'not-found' }
  /** The request conflicts with the current state, e.g. a duplicate (409). */
  | { readonly kind: 'conflict' }
  /** The resource existed and was removed for good, e.g. a person's erased data (410). */
  | { readonly kind: 'gone' }
  /** A stated precondition, e.g. an expected version, does not hold (412). */
  | { readonly kind: 'precondition-failed' }
  /** The request is well-formed but some fields are invalid (400, with the fields). */
  | { readonly kind: 'validation-failed'; readonly errors: readonly FieldError[] }
  /** The request is valid, but a business rule refuses it in the current state (422). */
  | { readonly kind: 'unprocessable' }
  /**
   * The caller is not authenticated (401). `challenge` becomes the `WWW-Authenticate` header,
   * e.g. `Bearer realm="registry"`.
   */
  | { readonly kind: 'unauthorized'; readonly challenge?: string }
  /** The caller is authenticated but not allowed to do this (403). */
  | { readonly kind: 'forbidden' }
  /**
   * The caller made more requests than its rate limit allows (429). `retryAfterSeconds`
   * becomes the `Retry-After` header.
   */
  | { readonly kind: 'too-many-requests'; readonly retryAfterSeconds: number }
  /**
   * A dependency is unavailable; the request may succeed later (503). `retryAfterSeconds`
   * becomes the `Retry-After` header.
   */
  | { readonly kind: 'service-unavailable'; readonly retryAfterSeconds?: number };

export type ApplicationErrorKind = ApplicationErrorReason['kind'];

/** Optional parts of an {@link ApplicationError}. */
export interface ApplicationErrorOptions {
  /** The underlying error, kept for logs; never shown to the client. */
  readonly cause?: unknown;
  /** Extra members of the problem body (RFC 9457 extensions); they cannot replace standard ones. */
  readonly extensions?: Readonly<Record<string, unknown>>;
}

/**
 * An expected, typed refusal, answered as `application/problem+json`. Its message is the
 * problem's `detail` and is shown to the client: say what is wrong and what to do, and keep
 * internals (SQL, hosts, stack frames) out of it.
 *
 * ```ts
 * throw ApplicationError.preconditionFailed(`Person ${id} is at version 7, not 6`);
 * ```
 */
export class ApplicationError extends Error {
  override readonly name = 'ApplicationError';
  readonly extensions: Readonly<Record<string, unknown>>;

  /**
   * @param reason - What happened, with its context.
   * @param detail - An explanation for the client.
   * @param options - The cause (for logs) and problem extension members.
   */
  constructor(
    readonly reason: ApplicationErrorReason,
    detail: string,
    options: ApplicationErrorOptions = {},
  ) {
    super(detail, options.cause === undefined ? undefined : { cause: options.cause });
    this.extensions = options.extensions ?? {};
  }

  get kind(): ApplicationErrorKind {
    return this.reason.kind;
  }

  static notFound(detail: string, options?: ApplicationErrorOptions): ApplicationError {
    return new ApplicationError({ kind: 'not-found' }, detail, options);
  }

  static conflict(detail: string, options?: ApplicationErrorOptions): ApplicationError {
    return new ApplicationError({ kind: 'conflict' }, detail, options);
  }

  static gone(detail: string, options?: ApplicationErrorOptions): ApplicationError {
    return new ApplicationError({ kind: 'gone' }, detail, options);
  }

  static preconditionFailed(detail: string, options?: ApplicationErrorOptions): ApplicationError {
    return new ApplicationError({ kind: 'precondition-failed' }, detail, options);
  }

  static unprocessable(detail: string, options?: ApplicationErrorOptions): ApplicationError {
    return new ApplicationError({ kind: 'unprocessable' }, detail, options);
  }

  static validationFailed(
    detail: string,
    errors: readonly FieldError[],
    options?: ApplicationErrorOptions,
  ): ApplicationError {
    return new ApplicationError({ kind: 'validation-failed', errors }, detail, options);
  }

  static unauthorized(
    detail: string,
    options?: ApplicationErrorOptions & { readonly challenge?: string },
  ): ApplicationError {
    return new ApplicationError(
      { kind: 'unauthorized', challenge: options?.challenge },
      detail,
      options,
    );
  }

  static forbidden(detail: string, options?: ApplicationErrorOptions): ApplicationError {
    return new ApplicationError({ kind: 'forbidden' }, detail, options);
  }

  static tooManyRequests(
    detail: string,
    options: ApplicationErrorOptions & { readonly retryAfterSeconds: number },
  ): ApplicationError {
    return new ApplicationError(
      { kind: 'too-many-requests', retryAfterSeconds: options.retryAfterSeconds },
      detail,
      options,
    );
  }

  static serviceUnavailable(
    detail: string,
    options?: ApplicationErrorOptions & { readonly retryAfterSeconds?: number },
  ): ApplicationError {
    return new ApplicationError(
      { kind: 'service-unavailable', retryAfterSeconds: options?.retryAfterSeconds },
      detail,
      options,
    );
  }
}
