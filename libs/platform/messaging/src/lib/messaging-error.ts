import {
  KafkaJSAggregateError,
  KafkaJSBrokerNotFound,
  KafkaJSConnectionError,
  KafkaJSError,
  KafkaJSGroupCoordinatorNotFound,
  KafkaJSMetadataNotLoaded,
  KafkaJSNonRetriableError,
  KafkaJSNumberOfRetriesExceeded,
  KafkaJSProtocolError,
  KafkaJSRequestTimeoutError,
  KafkaJSSASLAuthenticationError,
  KafkaJSServerDoesNotSupportApiKey,
  KafkaJSTimeout,
} from 'kafkajs';

/**
 * What went wrong when talking to Kafka, as a closed set:
 *
 * - `unavailable`: the cluster, a broker, a partition leader or the group coordinator could not be
 *   reached or is not ready. Transient: retry later, and report not-ready meanwhile.
 * - `timeout`: a request did not complete in time. Its outcome is unknown (a publish may or may
 *   not have been written); retrying is safe because the producer is idempotent and consumers
 *   de-duplicate.
 * - `rejected`: the broker or the client refused the request (authorisation, invalid topic or
 *   configuration, unsupported API, message too large, misuse). Retrying the same request fails
 *   again; fix the request or the deployment.
 * - `unknown`: anything that could not be classified. Treat as a bug until proven otherwise.
 */
export type MessagingErrorKind = 'unavailable' | 'timeout' | 'rejected' | 'unknown';

/** Where a {@link MessagingError} happened, as far as it is known. */
export interface MessagingErrorContext {
  /** The operation that failed, e.g. `publish`, `consumer.start`, `admin.ensureTopics`. */
  readonly operation?: string;
  /** The topic involved, if one was. */
  readonly topic?: string;
  /** The broker involved (`host:port`), if the client said which one. */
  readonly broker?: string;
  /** The Kafka protocol error name (e.g. `TOPIC_AUTHORIZATION_FAILED`), for protocol errors. */
  readonly protocolError?: string;
}

/**
 * The one error type this library throws. Callers branch on {@link MessagingError.kind}; the
 * original client error is kept as `cause` for logs, never for branching.
 */
export class MessagingError extends Error {
  override readonly name = 'MessagingError';

  /**
   * @param kind - The failure class callers branch on.
   * @param message - A human-readable description.
   * @param context - Where the failure happened.
   * @param options - `cause`: the original error.
   */
  constructor(
    readonly kind: MessagingErrorKind,
    message: string,
    readonly context: MessagingErrorContext = {},
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }

  /** Whether retrying the same operation later can succeed (`unavailable` and `timeout`). */
  get transient(): boolean {
    return this.kind === 'unavailable' || this.kind === 'timeout';
  }
}

/** Protocol errors that mean "out of time" rather than "not there". */
const TIMEOUT_PROTOCOL_ERRORS = new Set(['REQUEST_TIMED_OUT', 'REBALANCE_TIMEOUT']);

/**
 * Translates anything thrown by the Kafka client into a {@link MessagingError}. This is the only
 * place that knows the client's error classes; an error that already is a `MessagingError` is
 * returned unchanged.
 *
 * @param error - What was thrown.
 * @param context - Where it was thrown (operation, topic); merged with what the error tells.
 * @returns The translated error, with the original as `cause`.
 */
export function translateKafkaError(
  error: unknown,
  context: MessagingErrorContext = {},
): MessagingError {
  if (error instanceof MessagingError) {
    return error;
  }
  const { kind, details } = classify(error);
  const message = error instanceof Error ? error.message : String(error);
  const where = context.operation ? `${context.operation}: ` : '';
  return new MessagingError(
    kind,
    `${where}${message}`,
    { ...details, ...context },
    { cause: error },
  );
}

interface Classification {
  readonly kind: MessagingErrorKind;
  readonly details: MessagingErrorContext;
}

function classify(error: unknown): Classification {
  // Subclasses before their parents: the checks below go from specific to general.
  if (error instanceof KafkaJSNumberOfRetriesExceeded) {
    // The retrier gave up on a transient failure; the last attempt's error says which kind.
    const last = classify(error.cause);
    return last.kind === 'timeout' ? last : { kind: 'unavailable', details: last.details };
  }
  if (error instanceof KafkaJSRequestTimeoutError) {
    return { kind: 'timeout', details: brokerOf(error.broker) };
  }
  if (error instanceof KafkaJSTimeout) {
    return { kind: 'timeout', details: {} };
  }
  if (error instanceof KafkaJSConnectionError) {
    return { kind: 'unavailable', details: brokerOf(error.broker) };
  }
  if (
    error instanceof KafkaJSBrokerNotFound ||
    error instanceof KafkaJSGroupCoordinatorNotFound ||
    error instanceof KafkaJSMetadataNotLoaded ||
    (error instanceof KafkaJSError && error.name === 'KafkaJSNoBrokerAvailableError')
  ) {
    return { kind: 'unavailable', details: {} };
  }
  if (error instanceof KafkaJSProtocolError) {
    const details = { protocolError: error.type };
    if (TIMEOUT_PROTOCOL_ERRORS.has(error.type)) {
      return { kind: 'timeout', details };
    }
    // Retriable protocol errors are the broker saying "not now" (leader moving, coordinator
    // loading, not enough replicas); the others are a definite no.
    return { kind: error.retriable ? 'unavailable' : 'rejected', details };
  }
  if (
    error instanceof KafkaJSSASLAuthenticationError ||
    error instanceof KafkaJSServerDoesNotSupportApiKey ||
    error instanceof KafkaJSNonRetriableError
  ) {
    return { kind: 'rejected', details: {} };
  }
  if (error instanceof KafkaJSAggregateError) {
    // Raised for multi-topic admin requests; the first failure stands for the request.
    const [first] = error.errors;
    return first === undefined ? { kind: 'unknown', details: {} } : classify(first);
  }
  return { kind: 'unknown', details: {} };
}

function brokerOf(broker: string | undefined): MessagingErrorContext {
  return broker ? { broker } : {};
}
