import type { DataSource } from 'typeorm';

import type { AppendMetadata, PostgresEventStore } from '@gov/platform-event-sourcing';
import { pgClientOf } from '@gov/platform-service';

import type { SiteAccessEntry, SiteAccessLog } from '../access/site-access-log';
import { SiteAccessEntity } from './registry-entities';
import type { SiteAccessRow } from './registry-entities';

/** Entries joined per transaction. */
const JOIN_BATCH = 200;

/**
 * The {@link SiteAccessLog} in the registry's own table `site_access_log` (never replicated:
 * each site's rows are its own), and the work that joins its entries to the log: a reactor of
 * the service kit, which runs it only while the site can append (on a primary at start, on the
 * embassy from its promotion on).
 */
export class PgSiteAccessLog implements SiteAccessLog {
  constructor(
    private readonly dataSource: DataSource,
    private readonly store: PostgresEventStore,
  ) {}

  async record({ streamId, event, metadata }: SiteAccessEntry): Promise<void> {
    await this.dataSource.getRepository(SiteAccessEntity).insert({
      eventId: event.eventId,
      streamId,
      eventType: event.eventType,
      payloadSchemaVersion: event.payloadSchemaVersion,
      payload: Buffer.from(event.payload),
      occurredAt: event.occurredAt,
      metadata: { ...metadata },
    });
  }

  /** How many entries wait to join the log. */
  pending(): Promise<number> {
    return this.dataSource.getRepository(SiteAccessEntity).count();
  }

  /**
   * Appends up to {@link JOIN_BATCH} kept entries to the log, oldest first, each with its own
   * id, and deletes them, in one transaction; resolves with how many joined (0: none left).
   * Throws `ReadOnlyStoreError` while the site cannot append. Entries another process is
   * joining are skipped, not waited for.
   */
  runOnce(): Promise<number> {
    return this.dataSource.transaction(async (manager) => {
      const rows = await manager
        .getRepository(SiteAccessEntity)
        .createQueryBuilder('a')
        .orderBy('a.kept_at')
        .addOrderBy('a.event_id')
        .limit(JOIN_BATCH)
        .setLock('pessimistic_write')
        .setOnLocked('skip_locked')
        .getMany();
      if (rows.length === 0) return 0;
      const client = pgClientOf(manager);
      for (const row of rows) {
        await this.store.appendInTransaction(
          client,
          row.streamId,
          'any',
          [
            {
              eventId: row.eventId,
              eventType: row.eventType,
              payloadSchemaVersion: row.payloadSchemaVersion,
              payload: row.payload,
              occurredAt: row.occurredAt,
            },
          ],
          metadataOf(row),
        );
      }
      await manager.getRepository(SiteAccessEntity).delete(rows.map((row) => row.eventId));
      return rows.length;
    });
  }
}

function metadataOf(row: SiteAccessRow): AppendMetadata {
  // Written by record() from an AppendMetadata; JSON keeps its shape (strings and one object).
  return row.metadata as unknown as AppendMetadata;
}
