/** The media type of every error response (RFC 9457). */
export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

/** One invalid input field of a `validation-failed` problem. */
export interface FieldError {
  /** Where the value was: a dotted path into the body (`address.postcode`) or a parameter name. */
  readonly field: string;
  /** What is wrong with it, for the client's developer. */
  readonly message: string;
}

/**
 * The body of every error response: an RFC 9457 problem details object.
 *
 * `type` is `about:blank` unless a more specific problem type applies: the problem then means
 * no more than its HTTP status, and `title` is the status phrase. Clients branch on `status`
 * (and on `errors` for validation), never on `detail`, which is for people.
 */
export interface ProblemDetails {
  /** A URI reference identifying the problem type. */
  readonly type: string;
  /** A short summary of the problem type. */
  readonly title: string;
  /** The HTTP status code. */
  readonly status: number;
  /** An explanation of this occurrence, for people; absent when it would only repeat `title`. */
  readonly detail?: string;
  /** The request path (without query string, which may carry personal data). */
  readonly instance: string;
  /** The request id, as in the `x-request-id` response header and the service's logs. */
  readonly requestId?: string;
  /** The invalid fields, for `validation-failed` problems. */
  readonly errors?: readonly FieldError[];
  /** Extension members (RFC 9457 §3.2). */
  readonly [extension: string]: unknown;
}
