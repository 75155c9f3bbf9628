import { KafkaJSConnectionError } from 'kafkajs';
import type { Producer, ProducerRecord } from 'kafkajs';

import { EventPublisher } from './event-publisher.service';
import type { KafkaConnection } from './kafka-connection';
import { MessagingError } from './messaging-error';

/**
 * A producer whose broker behaves as scripted: `connect` fails with the queued errors, then
 * succeeds; `send` never completes when `hang` is set, and records what it was given otherwise.
 */
class ScriptedProducer {
  readonly connectFailures: Error[] = [];
  readonly sent: ProducerRecord[] = [];
  hang = false;
  connects = 0;

  connect(): Promise<void> {
    this.connects += 1;
    const failure = this.connectFailures.shift();
    return failure ? Promise.reject(failure) : Promise.resolve();
  }

  send(record: ProducerRecord): Promise<never[]> {
    if (this.hang) {
      return new Promise<never[]>(() => undefined);
    }
    this.sent.push(record);
    return Promise.resolve([]);
  }

  disconnect(): Promise<void> {
    return Promise.resolve();
  }
}

function publisherOn(producer: ScriptedProducer, publishTimeoutMs = 1_000): EventPublisher {
  const connection = {
    kafka: { producer: () => producer as unknown as Producer },
    publishTimeoutMs,
  } as unknown as KafkaConnection;
  return new EventPublisher(connection);
}

async function rejection(promise: Promise<unknown>): Promise<MessagingError> {
  const error: unknown = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof MessagingError)) {
    throw new Error(`expected a MessagingError, got ${String(error)}`);
  }
  return error;
}

describe('EventPublisher', () => {
  it('gives up after publishTimeoutMs with a timeout whose outcome is unknown', async () => {
    const producer = new ScriptedProducer();
    producer.hang = true;

    const error = await rejection(
      publisherOn(producer, 50).publish('registry.events.v1', [
        { key: 'k', value: Buffer.from('v') },
      ]),
    );

    expect(error.kind).toBe('timeout');
    expect(error.context).toMatchObject({ operation: 'publish', topic: 'registry.events.v1' });
  });

  it('reports an unreachable cluster as unavailable and connects again on the next publish', async () => {
    const producer = new ScriptedProducer();
    producer.connectFailures.push(
      new KafkaJSConnectionError('connect ECONNREFUSED', { broker: 'kafka-1:9092' }),
    );
    const publisher = publisherOn(producer);
    const message = { key: 'person-1', value: Buffer.from('event') };

    const error = await rejection(publisher.publish('registry.events.v1', [message]));
    await publisher.publish('registry.events.v1', [message]);
    await publisher.publish('registry.events.v1', [message]);

    expect(error.kind).toBe('unavailable');
    expect(error.context.broker).toBe('kafka-1:9092');
    expect(producer.connects).toBe(2);
    expect(producer.sent).toHaveLength(2);
  });

  it('does not connect for an empty publish', async () => {
    const producer = new ScriptedProducer();

    await publisherOn(producer).publish('registry.events.v1', []);

    expect(producer.connects).toBe(0);
  });
});
