import * as kafkajs from 'kafkajs';
import {
  KafkaJSAggregateError,
  KafkaJSConnectionError,
  KafkaJSNonRetriableError,
  KafkaJSNumberOfRetriesExceeded,
  KafkaJSProtocolError,
  KafkaJSRequestTimeoutError,
  KafkaJSServerDoesNotSupportApiKey,
  KafkaJSTopicMetadataNotLoaded,
} from 'kafkajs';

import { MessagingError, translateKafkaError } from './messaging-error';

/** A protocol error as the client builds it from a broker error code (type, code, retriable). */
function protocolError(type: string, code: number, retriable: boolean): KafkaJSProtocolError {
  return new KafkaJSProtocolError(
    Object.assign(new Error(`broker said ${type}`), { type, code, retriable }),
  );
}

/**
 * Error classes the client exports at run time but leaves out of its type declarations, or declares
 * with a constructor that does not match the implementation.
 */
function untypedKafkaError(name: string, ...args: unknown[]): Error {
  const constructors = kafkajs as unknown as Record<string, new (...a: unknown[]) => Error>;
  const ctor = constructors[name];
  if (!ctor) {
    throw new Error(`kafkajs does not export ${name}`);
  }
  return new ctor(...args);
}

function requestTimeout(): KafkaJSRequestTimeoutError {
  return new KafkaJSRequestTimeoutError('Request Produce(key: 0, version: 7) timed out', {
    broker: 'kafka-1:9092',
    clientId: 'registry',
    correlationId: 7,
    createdAt: 0,
    sentAt: 0,
    pendingDuration: 0,
  });
}

describe('translateKafkaError', () => {
  it.each([
    [
      'a refused connection',
      new KafkaJSConnectionError('Connection error: ECONNREFUSED', { broker: 'kafka-1:9092' }),
    ],
    [
      'a closed connection',
      untypedKafkaError('KafkaJSConnectionClosedError', 'Closed connection', {
        host: 'kafka-1',
        port: 9092,
      }),
    ],
    ['no broker available', untypedKafkaError('KafkaJSNoBrokerAvailableError')],
    [
      'an unknown broker',
      untypedKafkaError('KafkaJSBrokerNotFound', 'Broker 3 not found in the cached metadata'),
    ],
    [
      'no group coordinator',
      untypedKafkaError('KafkaJSGroupCoordinatorNotFound', 'Failed to find group coordinator'),
    ],
    [
      'metadata not loaded',
      new KafkaJSTopicMetadataNotLoaded('Topic metadata not loaded', {
        topic: 'registry.events.v1',
      }),
    ],
    [
      'a retriable protocol error (leader election)',
      protocolError('LEADER_NOT_AVAILABLE', 5, true),
    ],
    [
      'retries exhausted on a connection error',
      new KafkaJSNumberOfRetriesExceeded(new KafkaJSConnectionError('ECONNREFUSED'), {
        retryCount: 5,
        retryTime: 3000,
      }),
    ],
    [
      'retries exhausted on a retriable protocol error',
      new KafkaJSNumberOfRetriesExceeded(protocolError('NOT_ENOUGH_REPLICAS', 19, true), {
        retryCount: 5,
        retryTime: 3000,
      }),
    ],
  ])('classifies %s as unavailable', (_, error) => {
    const translated = translateKafkaError(error);

    expect(translated).toBeInstanceOf(MessagingError);
    expect(translated.kind).toBe('unavailable');
    expect(translated.transient).toBe(true);
    expect(translated.cause).toBe(error);
  });

  it.each([
    ['a request timeout', requestTimeout()],
    [
      'a client-side timeout',
      untypedKafkaError('KafkaJSLockTimeout', 'Timeout while acquiring lock'),
    ],
    ['the broker timing out', protocolError('REQUEST_TIMED_OUT', 7, true)],
    [
      'retries exhausted on request timeouts',
      new KafkaJSNumberOfRetriesExceeded(requestTimeout(), { retryCount: 5, retryTime: 3000 }),
    ],
  ])('classifies %s as timeout', (_, error) => {
    const translated = translateKafkaError(error);

    expect(translated.kind).toBe('timeout');
    expect(translated.transient).toBe(true);
  });

  it.each([
    ['a missing authorisation', protocolError('TOPIC_AUTHORIZATION_FAILED', 29, false)],
    ['a message that is too large', protocolError('MESSAGE_TOO_LARGE', 10, false)],
    [
      'failed authentication',
      untypedKafkaError('KafkaJSSASLAuthenticationError', 'SASL PLAIN authentication failed'),
    ],
    [
      'an unsupported API',
      new KafkaJSServerDoesNotSupportApiKey(
        'The Kafka server does not support the requested API version',
      ),
    ],
    ['a misuse of the client', new KafkaJSNonRetriableError('Invalid topic undefined')],
    [
      'a failed multi-topic request',
      new KafkaJSAggregateError('Topic creation errors', [
        protocolError('INVALID_REPLICATION_FACTOR', 38, false),
      ]),
    ],
  ])('classifies %s as rejected', (_, error) => {
    const translated = translateKafkaError(error);

    expect(translated.kind).toBe('rejected');
    expect(translated.transient).toBe(false);
  });

  it.each([
    ['a plain error', new Error('boom')],
    ['a thrown string', 'boom'],
    ['an empty aggregate', new KafkaJSAggregateError('nothing', [])],
  ])('classifies %s as unknown', (_, error) => {
    expect(translateKafkaError(error).kind).toBe('unknown');
  });

  it('keeps what the error tells about where it happened, and adds the caller context', () => {
    const translated = translateKafkaError(protocolError('TOPIC_AUTHORIZATION_FAILED', 29, false), {
      operation: 'publish',
      topic: 'registry.events.v1',
    });

    expect(translated.context).toEqual({
      operation: 'publish',
      topic: 'registry.events.v1',
      protocolError: 'TOPIC_AUTHORIZATION_FAILED',
    });
    expect(translated.message).toBe('publish: broker said TOPIC_AUTHORIZATION_FAILED');
  });

  it('names the broker of connection and timeout errors', () => {
    expect(translateKafkaError(requestTimeout()).context.broker).toBe('kafka-1:9092');
    expect(
      translateKafkaError(new KafkaJSConnectionError('ECONNREFUSED', { broker: 'kafka-2:9092' }))
        .context.broker,
    ).toBe('kafka-2:9092');
  });

  it('returns a MessagingError unchanged', () => {
    const error = new MessagingError('timeout', 'publish: no acknowledgement', {
      operation: 'publish',
    });

    expect(translateKafkaError(error, { operation: 'other' })).toBe(error);
  });
});
