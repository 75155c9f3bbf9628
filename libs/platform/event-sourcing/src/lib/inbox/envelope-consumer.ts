import type { PoolClient } from 'pg';

import { PermanentMessageError, retryThenDeadLetter } from '@gov/platform-messaging';
import type {
  ConsumerGroup,
  ConsumerGroupFactory,
  InboundMessage,
  RetryThenDeadLetterOptions,
} from '@gov/platform-messaging';

import { EVENT_ID_HEADER, MalformedEnvelopeError, decodeEventEnvelope } from '../envelope/envelope';
import type { EnvelopeReader } from '../envelope/envelope';
import type { PositionedEvent } from '../event-store/event-store';
import type { Inbox } from './inbox';
import { asDependencyFailure } from './dependency-failure';

/** What an event handler gets: the decoded event and the transaction its effects go in. */
export interface EnvelopeContext {
  readonly event: PositionedEvent;
  /** The transaction that also records the event id in the inbox. */
  readonly client: PoolClient;
  readonly message: InboundMessage;
}

/** Options of {@link createEnvelopeConsumer}. */
export interface EnvelopeConsumerOptions {
  readonly groupId: string;
  readonly topics: readonly string[];
  /** Default true: a new consumer of an event log starts from its beginning. */
  readonly fromBeginning?: boolean;
  readonly inbox: Inbox;
  /**
   * Applies one event. Throw a `PermanentMessageError` for an event that can never be applied
   * (it is dead-lettered at once); a database that is down is waited for, never dead-lettered;
   * any other error is retried, then dead-lettered. A business
   * rejection is a fact to record in the transaction, not an error to throw.
   */
  readonly handle: (context: EnvelopeContext) => Promise<void>;
  readonly retry?: RetryThenDeadLetterOptions;
}

/**
 * A consumer group over platform event topics: decodes each record's `EventEnvelope`,
 * dead-letters records that do not decode or break the envelope contract, and applies every
 * event exactly once through the {@link Inbox}.
 */
export function createEnvelopeConsumer(
  groups: ConsumerGroupFactory,
  options: EnvelopeConsumerOptions,
): ConsumerGroup {
  return groups.create({
    groupId: options.groupId,
    topics: options.topics,
    fromBeginning: options.fromBeginning ?? true,
    onError: retryThenDeadLetter(options.retry),
    handler: async (message) => {
      const event = decodeRecord(message);
      try {
        await options.inbox.processOnce(event.eventId, (client) =>
          options.handle({ event, client, message }),
        );
      } catch (error) {
        throw asDependencyFailure(error);
      }
    },
  });
}

/**
 * Decodes a record's envelope (with `read`, the protobuf runtime by default) and checks that the
 * record agrees with it.
 *
 * @throws {@link PermanentMessageError} `undecodable` when the bytes are not an envelope,
 *   `invalid` when a required field is missing or the key or `event-id` header disagree.
 */
export function decodeRecord(message: InboundMessage, read?: EnvelopeReader): PositionedEvent {
  let event: PositionedEvent;
  try {
    event = decodeEventEnvelope(message.value, read);
  } catch (error) {
    if (error instanceof MalformedEnvelopeError) {
      throw new PermanentMessageError(
        error.field === '(bytes)' ? 'undecodable' : 'invalid',
        error.message,
        { cause: error },
      );
    }
    throw error;
  }
  if (message.headers[EVENT_ID_HEADER] !== event.eventId) {
    throw new PermanentMessageError(
      'invalid',
      `the ${EVENT_ID_HEADER} header (${message.headers[EVENT_ID_HEADER] ?? 'missing'}) differs from the envelope's event id`,
    );
  }
  if (message.key !== event.streamId) {
    throw new PermanentMessageError(
      'invalid',
      "the record key differs from the envelope's stream id",
    );
  }
  return event;
}
