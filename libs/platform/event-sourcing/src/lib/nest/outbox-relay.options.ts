import type { PositionedEvent } from '../event-store/event-store';
import type { OutboxRelayOptions } from '../relay/outbox-relay';
import type { RelayModuleAsyncOptions } from './relay-host';

/** Configuration of {@link OutboxRelayModule}: the relay's options without store and publisher. */
export interface OutboxRelayModuleOptions extends Omit<
  OutboxRelayOptions,
  'store' | 'publisher' | 'logger' | 'mapping'
> {
  /**
   * Create the topic at start-up if it is missing (existing topics are left as they are).
   * Internal event topics are kept forever: give `configs: { 'retention.ms': '-1' }`.
   */
  /**
   * Awaited before each batch is published (after it is read): a rejection fails the batch,
   * which is retried from the checkpoint. The kit holds events sealed under a key here until
   * the key has left for the keys topic.
   */
  readonly beforePublish?: (events: readonly PositionedEvent[]) => Promise<void>;
  readonly ensureTopic?: {
    readonly numPartitions: number;
    readonly replicationFactor?: number;
    readonly configs?: Readonly<Record<string, string>>;
  };
}

/** Configuration of {@link OutboxRelayModule.forRootAsync}. */
export type OutboxRelayModuleAsyncOptions = RelayModuleAsyncOptions<OutboxRelayModuleOptions>;

/** Injection token of the resolved {@link OutboxRelayModuleOptions}; internal. */
export const OUTBOX_RELAY_OPTIONS = Symbol('OUTBOX_RELAY_OPTIONS');
