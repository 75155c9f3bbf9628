import type { Pool, PoolClient } from 'pg';

import { translatePgError } from '../postgres/pg-errors';

/** What {@link Inbox.processOnce} did with a message. */
export type InboxOutcome = 'applied' | 'duplicate';

/** Options of an {@link Inbox}. */
export interface InboxOptions {
  readonly pool: Pool;
  /** The service's PostgreSQL schema (its migrations create `<schema>.inbox`). */
  readonly schema: string;
  /** Name of the consuming component, e.g. `registry.audit-projection`. */
  readonly consumer: string;
}

/**
 * Exactly-once effects on top of at-least-once delivery: an event id is recorded in the same
 * transaction as the state change it causes, so a redelivered message finds its id already
 * there and changes nothing. Keyed by (consumer, event id), so several consumers of one
 * service can each process the same event once.
 */
export class Inbox {
  private readonly claim: string;

  constructor(private readonly options: InboxOptions) {
    if (!/^[a-z_][a-z0-9_]*$/.test(options.schema)) {
      throw new Error(`schema must be a plain lower-case identifier, got "${options.schema}"`);
    }
    this.claim =
      `INSERT INTO ${options.schema}.inbox (consumer, event_id, processed_at) ` +
      'VALUES ($1, $2, now()) ON CONFLICT DO NOTHING';
  }

  /**
   * Runs `apply` and records `eventId` in one transaction. If the id was recorded before, `apply`
   * is not called and nothing changes. If `apply` throws, nothing is recorded: the message will
   * be processed again on redelivery.
   */
  async processOnce(
    eventId: string,
    apply: (client: PoolClient) => Promise<void>,
  ): Promise<InboxOutcome> {
    const client = await this.options.pool.connect();
    // A connection the server ends while it is out of the pool would otherwise be an unhandled
    // 'error' event; the next statement fails instead (and the consumer waits for the database).
    client.on('error', ignoreConnectionError);
    let failed: unknown;
    try {
      await client.query('BEGIN');
      // The insert takes the row lock first: a concurrent redelivery of the same id waits here
      // and then sees a conflict, so the effect cannot be applied twice even in parallel.
      const claimed = await client.query(this.claim, [this.options.consumer, eventId]);
      if (claimed.rowCount === 0) {
        await client.query('ROLLBACK');
        return 'duplicate';
      }
      await apply(client);
      await client.query('COMMIT');
      return 'applied';
    } catch (error) {
      failed = error;
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      client.removeListener('error', ignoreConnectionError);
      // A failed connection is destroyed rather than handed to the next message.
      client.release(failed instanceof Error && isConnectionFailure(failed) ? failed : undefined);
    }
  }
}

function ignoreConnectionError(): void {
  // Handled where the next statement fails.
}

/** Whether `error` is the connection failing rather than a statement or the handler. */
function isConnectionFailure(error: Error): boolean {
  return (
    translatePgError(error, { operation: 'inbox', schema: '', requiredMigration: 0 }).kind ===
    'unavailable'
  );
}
