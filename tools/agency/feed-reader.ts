// What an agency runs to follow its change feed: an ordinary Kafka client (kafkajs here; any
// client works) with the agency's own credentials, and the message type generated from the
// published proto (proto/gov/registry/v1/changes.proto; `@gov/contracts` is exactly what
// `buf generate` with `@bufbuild/protoc-gen-es` makes of it). Nothing in it is the platform's:
// the README's agency guide shows this file, and the agency-feeds e2e runs it.
import { fromBinary } from '@bufbuild/protobuf';
import { Kafka, logLevel } from 'kafkajs';
import type { Consumer } from 'kafkajs';

import { RecordChangeSchema } from '@gov/contracts';
import type { RecordChange } from '@gov/contracts';

/** Where and as whom an agency reads its feed. */
export interface AgencyFeedOptions {
  readonly brokers: readonly string[];
  /** The organisation id of the catalogue: the feed is `registry.changes.<agency>.v1`. */
  readonly agency: string;
  /** The password of the agency's Kafka user `agency-<agency>` (SCRAM-SHA-512). */
  readonly password: string;
  /** The consumer group: it must start with `<agency>.` (the agency's ACLs allow no other). */
  readonly groupId: string;
  /** Another topic than the agency's own (to show that the broker refuses it). */
  readonly topic?: string;
  /** Called for each message, after it was applied (`null`: a tombstone). */
  readonly onMessage?: (recordId: string, change: RecordChange | null) => void;
}

/** The agency's copy of the records it receives: the latest message applied per record. */
export class AgencyCopy {
  private readonly records = new Map<string, RecordChange>();

  /**
   * Applies one message of the feed, as the contract says: a null value (tombstone) deletes the
   * record; otherwise the message replaces the copy when its (view version, record version) is
   * higher than the copy's, compared in that order (a re-cut re-sends a record at the same
   * record version under a higher view version). Answers whether the copy changed.
   */
  apply(recordId: string, value: Buffer | null): boolean {
    if (value === null) return this.records.delete(recordId);
    const change = fromBinary(RecordChangeSchema, value);
    const held = this.records.get(recordId);
    const newer =
      held === undefined ||
      (change.view?.version ?? 0) > (held.view?.version ?? 0) ||
      ((change.view?.version ?? 0) === (held.view?.version ?? 0) &&
        change.recordVersion > held.recordVersion);
    if (newer) this.records.set(recordId, change);
    return newer;
  }

  /** The record as last applied, if the agency holds it. */
  get(recordId: string): RecordChange | undefined {
    return this.records.get(recordId);
  }
}

/** A running reader: its copy, every message it decoded (in order), and `stop()`. */
export interface AgencyFeedReader {
  readonly copy: AgencyCopy;
  /** Every decoded change, in the order received (tombstones as `null` with their key). */
  readonly received: readonly { readonly recordId: string; readonly change: RecordChange | null }[];
  stop(): Promise<void>;
}

/**
 * Reads the agency's feed from the earliest offset into an {@link AgencyCopy}. Rejects when the
 * broker refuses the agency's credentials the topic or the group (its ACLs).
 */
export async function readAgencyFeed(options: AgencyFeedOptions): Promise<AgencyFeedReader> {
  const kafka = new Kafka({
    clientId: `agency-${options.agency}`,
    brokers: [...options.brokers],
    sasl: {
      mechanism: 'scram-sha-512',
      username: `agency-${options.agency}`,
      password: options.password,
    },
    logLevel: logLevel.NOTHING,
  });
  // An authorization failure is final: no restart, so that it reaches the caller.
  const consumer: Consumer = kafka.consumer({
    groupId: options.groupId,
    retry: { retries: 5, restartOnFailure: () => Promise.resolve(false) },
  });
  const copy = new AgencyCopy();
  const received: { recordId: string; change: RecordChange | null }[] = [];
  await consumer.connect();
  try {
    // Resolves once the consumer is in its group and assigned the topic; rejects with the
    // broker's refusal (TOPIC_AUTHORIZATION_FAILED, GROUP_AUTHORIZATION_FAILED) otherwise.
    await new Promise<void>((resolve, reject) => {
      consumer.on(consumer.events.GROUP_JOIN, () => {
        resolve();
      });
      consumer.on(consumer.events.CRASH, (event) => {
        reject(event.payload.error);
      });
      consumer
        .subscribe({
          topic: options.topic ?? `registry.changes.${options.agency}.v1`,
          fromBeginning: true,
        })
        .then(() =>
          consumer.run({
            eachMessage: ({ message }) => {
              const recordId = message.key?.toString('utf8') ?? '';
              copy.apply(recordId, message.value);
              const change =
                message.value === null ? null : fromBinary(RecordChangeSchema, message.value);
              received.push({ recordId, change });
              options.onMessage?.(recordId, change);
              return Promise.resolve();
            },
          }),
        )
        .catch(reject);
    });
  } catch (error) {
    await consumer.disconnect();
    throw error;
  }
  return { copy, received, stop: () => consumer.disconnect() };
}
