import type { Pool, PoolClient } from 'pg';

import type { AppendMetadata, PostgresEventStore } from '@gov/platform-event-sourcing';
import { composeNationalId } from '@gov/registry-domain';
import type { LocalDate } from '@gov/registry-domain';

import type { BulkRegistrar, BulkRegistration, NewPersonRecord } from '../ports';
import { APPLICATION_SCHEMA, query } from './registry-schema';

const S = `"${APPLICATION_SCHEMA}"`;
/** Rounds of re-allocation for numbers found taken (imported or replicated records). */
const MAX_ALLOCATION_ROUNDS = 20;

/**
 * Bulk registration in one transaction on one connection, in a handful of statements whatever
 * the number of records:
 *
 * 1. one upsert allocates a range of sequence numbers per birth date (`next_sequence` moves by
 *    the count; the returned value ends the range), birth dates in order so that concurrent
 *    batches lock them in the same order and cannot deadlock; the row locks keep other
 *    allocations of those dates waiting until this transaction ends;
 * 2. one query checks none of the numbers is taken by a record that did not come through the
 *    allocator, allocating again for those that are;
 * 3. `startStreams` writes every record's events in one statement;
 * 4. commit. Any failure rolls all of it back, numbers included.
 */
export class PgBulkRegistrar implements BulkRegistrar {
  constructor(
    private readonly pool: Pool,
    private readonly store: PostgresEventStore,
  ) {}

  async registerAll(
    records: readonly NewPersonRecord[],
    metadata: AppendMetadata,
  ): Promise<BulkRegistration> {
    const client = await this.pool.connect();
    let failed: unknown;
    try {
      await client.query('BEGIN');
      const nationalIds: (string | undefined)[] = records.map(() => undefined);
      for (let round = 1; ; round += 1) {
        const pending = records
          .map((record, i) => ({ record, i }))
          .filter(({ i }) => nationalIds[i] === undefined);
        if (pending.length === 0) break;
        if (round > MAX_ALLOCATION_ROUNDS) {
          throw new Error('no free national identification numbers found; retry');
        }
        const ranges = await this.allocate(
          client,
          pending.map(({ record }) => record.birthDate),
        );
        if ('exhausted' in ranges) {
          await client.query('ROLLBACK');
          return { registered: false, exhaustedBirthDate: ranges.exhausted };
        }
        for (const { record, i } of pending) {
          const next = ranges.next.get(record.birthDate) ?? 0;
          ranges.next.set(record.birthDate, next + 1);
          nationalIds[i] = composeNationalId(record.birthDate, next);
        }
        const taken = await this.store.existingStreams(
          pending.map(({ i }) => nationalIds[i] ?? ''),
          client,
        );
        for (const { i } of pending) {
          if (taken.has(nationalIds[i] ?? '')) nationalIds[i] = undefined;
        }
      }
      const ids = nationalIds.map((id) => id ?? '');
      await this.store.startStreams(
        client,
        records.map((record, i) => ({
          streamId: ids[i] ?? '',
          events: record.events(ids[i] ?? ''),
        })),
        metadata,
      );
      await client.query('COMMIT');
      return { registered: true, nationalIds: ids };
    } catch (error) {
      failed = error;
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      client.release(failed instanceof Error && isConnectionError(failed) ? failed : undefined);
    }
  }

  /**
   * Allocates as many sequence numbers per birth date as `birthDates` lists it.
   *
   * @returns The first sequence number of each date's range, or the first exhausted date.
   */
  private async allocate(
    client: PoolClient,
    birthDates: readonly LocalDate[],
  ): Promise<{ next: Map<LocalDate, number> } | { exhausted: LocalDate }> {
    const counts = new Map<LocalDate, number>();
    for (const date of birthDates) counts.set(date, (counts.get(date) ?? 0) + 1);
    const dates = [...counts.keys()].sort();
    const rows = await query<{ birth_date: string; next_sequence: number }>(
      client,
      'allocate person sequences',
      `INSERT INTO ${S}.person_sequences AS s (birth_date, next_sequence)
       SELECT d, n FROM unnest($1::date[], $2::int[]) AS t(d, n) ORDER BY d
       ON CONFLICT (birth_date) DO UPDATE SET next_sequence = s.next_sequence + EXCLUDED.next_sequence
         WHERE s.next_sequence + EXCLUDED.next_sequence <= 1000
       RETURNING to_char(birth_date, 'YYYY-MM-DD') AS birth_date, next_sequence`,
      [dates, dates.map((d) => counts.get(d) ?? 0)],
    );
    const next = new Map<LocalDate, number>();
    for (const row of rows) {
      next.set(row.birth_date, row.next_sequence - (counts.get(row.birth_date) ?? 0));
    }
    const exhausted = dates.find((d) => !next.has(d));
    return exhausted === undefined ? { next } : { exhausted };
  }
}

/** Whether the connection itself failed (then it must not go back to the pool as healthy). */
function isConnectionError(error: Error): boolean {
  return /connection|terminat|ECONN|EPIPE/i.test(error.message);
}
