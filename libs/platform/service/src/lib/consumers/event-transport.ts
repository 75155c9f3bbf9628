import { Logger } from '@nestjs/common';
import { BaseRpcContext, Server } from '@nestjs/microservices';
import type { CustomTransportStrategy } from '@nestjs/microservices';
import type { Pool, PoolClient } from 'pg';
import { lastValueFrom } from 'rxjs';

import { Inbox, createEnvelopeConsumer } from '@gov/platform-event-sourcing';
import type { PositionedEvent } from '@gov/platform-event-sourcing';
import { retryThenDeadLetter } from '@gov/platform-messaging';
import type {
  ConsumerGroup,
  ConsumerGroupFactory,
  InboundMessage,
  RetryThenDeadLetterOptions,
} from '@gov/platform-messaging';

/**
 * One topic a service consumes, under the name its handlers use: `@EventPattern(pattern)`. The
 * pattern is a name of the service's code; the topic is configuration (a mirrored topic's prefix,
 * a test's own topic), so the two are kept apart.
 */
export interface Subscription {
  /** What handlers name in `@EventPattern(...)`, e.g. `registry.events`. */
  readonly pattern: string;
  /** The Kafka topic; `undefined` turns the subscription off (state `disabled`). */
  readonly topic: string | undefined;
  readonly groupId: string;
  /**
   * `envelope`: platform events; the handler gets the decoded `PositionedEvent` and an
   * {@link EnvelopeContext} whose transaction also records the event id in the inbox, so its
   * effect happens exactly once. Needs the service's event store (an inbox in its schema).
   * `record`: any other record; the handler gets the value's bytes and a {@link RecordContext}.
   */
  readonly kind: 'envelope' | 'record';
  /** Default true: a new group starts from the beginning of the topic. */
  readonly fromBeginning?: boolean;
  /** Retries before dead-lettering (see `retryThenDeadLetter`). */
  readonly retry?: RetryThenDeadLetterOptions;
}

/** What an `envelope` handler gets with `@Ctx()`. */
export class EnvelopeContext extends BaseRpcContext<[PositionedEvent, PoolClient, InboundMessage]> {
  /** The decoded event. */
  get event(): PositionedEvent {
    return this.args[0];
  }

  /** The transaction that records the event id in the inbox: put the effect's writes here. */
  get client(): PoolClient {
    return this.args[1];
  }

  /** The Kafka record it came in. */
  get message(): InboundMessage {
    return this.args[2];
  }
}

/** What a `record` handler gets with `@Ctx()`. */
export class RecordContext extends BaseRpcContext<[InboundMessage]> {
  get message(): InboundMessage {
    return this.args[0];
  }
}

/** Where a subscription stands, for a service's status. */
export interface SubscriptionState {
  /** `held`: the site is not writable (a replica, a fenced primary); it starts on promotion. */
  readonly state: 'disabled' | 'held' | 'starting' | 'running' | 'stopped';
  /** Why it is not running yet (its topic does not exist yet, say). */
  readonly error: string | null;
}

/** What the transport needs. */
export interface EventTransportOptions {
  readonly groups: ConsumerGroupFactory;
  readonly subscriptions: readonly Subscription[];
  /** The service's event store: pool and schema of its inbox. Required for `envelope` kinds. */
  readonly store?: { readonly pool: Pool; readonly schema: string };
  /**
   * The site's role (`SiteRole`): when given, subscriptions consume only while the site is
   * writable. A handler's effects are appends to the service's own log, which a replica replays
   * from the primary and a fenced site must not extend; consuming there would fail every record
   * into the dead-letter topic (or, on a replica, record it twice once the primary's copy
   * arrives). Held subscriptions start when the site is promoted and stop when it is fenced.
   */
  readonly site?: {
    readonly writable: boolean;
    onChange(listener: () => void): () => void;
  };
}

const FIRST_RETRY_MS = 1_000;
const MAX_RETRY_MS = 15_000;

interface Running {
  readonly subscription: Subscription;
  group: ConsumerGroup | undefined;
  state: SubscriptionState['state'];
  error: string | null;
  retryTimer?: NodeJS.Timeout;
}

/**
 * The platform's transport for `@nestjs/microservices`: serves a service's `@EventPattern`
 * handlers from the messaging library's consumer groups, so that they keep its guarantees.
 *
 * - One consumer group per subscription, records in order per partition, offsets committed
 *   after the handler (at least once).
 * - `envelope` subscriptions are the event-sourcing library's envelope consumer: the record is
 *   decoded (an undecodable or inconsistent record is dead-lettered at once, never retried),
 *   the handler runs inside the inbox's transaction (a redelivered event finds its id recorded
 *   and the handler is not called again), and an unreachable database is waited out, never
 *   dead-lettered.
 * - A handler's error is retried with backoff, then the record goes to the dead-letter topic
 *   `<topic>.dlq` and the group goes on; a `PermanentMessageError` skips the retries.
 * - A topic that does not exist yet (a mirrored topic before MirrorMaker 2 created it) is
 *   retried in the background with backoff, logged once per distinct reason; the service starts.
 *
 * Why not Nest's built-in Kafka transport: see ADR 0006.
 */
export class PlatformEventTransport extends Server implements CustomTransportStrategy {
  private readonly log = new Logger('EventTransport');
  private readonly running = new Map<string, Running>();
  private closing = false;
  private unsubscribe: (() => void) | undefined;
  /** Serialises starts and stops on role changes. */
  private roleChange: Promise<void> = Promise.resolve();

  constructor(private readonly options: EventTransportOptions) {
    super();
  }

  /** The state of the subscription of `pattern`. */
  state(pattern: string): SubscriptionState {
    const running = this.running.get(pattern);
    if (!running) return { state: 'disabled', error: null };
    return { state: running.state, error: running.error };
  }

  listen(callback: (...optionalParams: unknown[]) => unknown): void {
    for (const subscription of this.options.subscriptions) {
      const handler = this.getHandlerByPattern(subscription.pattern);
      if (subscription.topic === undefined || !handler) {
        if (!handler) {
          this.log.warn(`no @EventPattern('${subscription.pattern}') handler: not consuming`);
        }
        this.running.set(subscription.pattern, {
          subscription,
          group: undefined,
          state: 'disabled',
          error: null,
        });
        continue;
      }
      const running: Running = { subscription, group: undefined, state: 'held', error: null };
      this.running.set(subscription.pattern, running);
      if (!this.options.site || this.options.site.writable) this.resume(running);
    }
    this.unsubscribe = this.options.site?.onChange(() => {
      this.roleChange = this.roleChange.then(() => this.followRole());
    });
    callback();
  }

  async close(): Promise<void> {
    this.closing = true;
    this.unsubscribe?.();
    await this.roleChange;
    await Promise.all(
      [...this.running.values()].map(async (running) => {
        clearTimeout(running.retryTimer);
        await running.group?.stop();
        if (running.state !== 'disabled') running.state = 'stopped';
      }),
    );
  }

  /** No events of its own to subscribe to. */
  on(): void {
    throw new Error('PlatformEventTransport has no events to listen to');
  }

  /** The transport has no single client to hand out: its groups are the messaging library's. */
  // The signature is Server's abstract one.
  // eslint-disable-next-line @typescript-eslint/no-unnecessary-type-parameters
  unwrap<T>(): T {
    throw new Error('PlatformEventTransport has no underlying client to unwrap');
  }

  /** Starts held subscriptions when the site became writable; holds running ones otherwise. */
  private async followRole(): Promise<void> {
    if (this.closing) return;
    const writable = this.options.site?.writable ?? true;
    for (const running of this.running.values()) {
      if (running.state === 'disabled') continue;
      if (writable && running.state === 'held') {
        this.resume(running);
      } else if (!writable && running.state !== 'held') {
        clearTimeout(running.retryTimer);
        const group = running.group;
        running.group = undefined;
        running.state = 'held';
        running.error = null;
        await group?.stop();
        this.log.log(`holding ${running.subscription.topic ?? '?'}: the site is not writable`);
      }
    }
  }

  /** A fresh group each time: a stopped consumer group is not restarted. */
  private resume(running: Running): void {
    const topic = running.subscription.topic;
    if (topic === undefined) return;
    running.group = this.createGroup(running.subscription, topic);
    running.state = 'starting';
    void this.start(running, FIRST_RETRY_MS);
  }

  /** Joins the group; a missing topic or an unreachable cluster is retried, never fatal. */
  private async start(running: Running, nextDelayMs: number): Promise<void> {
    const group = running.group;
    if (this.closing || !group) return;
    try {
      await group.start();
      if (this.isClosing()) return;
      if (running.group !== group) {
        // Held while it joined: the hold stopped the group object it had.
        await group.stop();
        return;
      }
      running.state = 'running';
      running.error = null;
      this.log.log(
        `consuming ${running.subscription.topic ?? '?'} as ${running.subscription.groupId}`,
      );
    } catch (error) {
      if (this.isClosing() || running.group !== group) return;
      const message = error instanceof Error ? error.message : String(error);
      if (running.error !== message) {
        this.log.warn(
          `cannot consume ${running.subscription.topic ?? '?'} yet (retrying up to every ${MAX_RETRY_MS / 1000} s): ${message}`,
        );
      }
      running.error = message;
      running.retryTimer = setTimeout(() => {
        void this.start(running, Math.min(nextDelayMs * 2, MAX_RETRY_MS));
      }, nextDelayMs);
    }
  }

  /** A method, not the field: `close` may set it while `start` awaits. */
  private isClosing(): boolean {
    return this.closing;
  }

  /**
   * The subscription's consumer group. Envelopes go through the event-sourcing library's
   * envelope consumer (decoding, the inbox's transaction, a database outage waited out rather
   * than dead-lettered); other records straight to the handler.
   */
  private createGroup(subscription: Subscription, topic: string): ConsumerGroup {
    const common = {
      groupId: subscription.groupId,
      topics: [topic],
      fromBeginning: subscription.fromBeginning ?? true,
    };
    if (subscription.kind === 'record') {
      return this.options.groups.create({
        ...common,
        onError: retryThenDeadLetter(subscription.retry),
        handler: (message) => this.run(subscription, message.value, new RecordContext([message])),
      });
    }
    const store = this.options.store;
    if (!store) {
      throw new Error(
        `subscription ${subscription.pattern} consumes envelopes, which needs the service's event store`,
      );
    }
    return createEnvelopeConsumer(this.options.groups, {
      ...common,
      ...(subscription.retry === undefined ? {} : { retry: subscription.retry }),
      inbox: new Inbox({ pool: store.pool, schema: store.schema, consumer: subscription.groupId }),
      handle: ({ event, client, message }) =>
        this.run(subscription, event, new EnvelopeContext([event, client, message])),
    });
  }

  /**
   * Runs the pattern's handler. Handlers may return a promise or an observable; either way the
   * record is done when it completes, and its error goes to the retry and dead-letter policy.
   */
  private async run(
    subscription: Subscription,
    data: unknown,
    context: BaseRpcContext,
  ): Promise<void> {
    const handler = this.getHandlerByPattern(subscription.pattern);
    if (!handler) throw new Error(`no handler for ${subscription.pattern}`);
    await lastValueFrom(this.transformToObservable(await handler(data, context)), {
      defaultValue: undefined,
    });
  }
}
