import type { SubjectKeys } from '@gov/platform-data-protection';
import type { DataSource, EntityManager } from 'typeorm';

import type { AppendMetadata, PostgresEventStore } from '@gov/platform-event-sourcing';
import { pgClientOf } from '@gov/platform-service';
import { composeNationalId } from '@gov/registry-domain';
import type { LocalDate } from '@gov/registry-domain';

import type { BulkRegistrar, BulkRegistration, NewPersonRecord } from '../ports';
import { APPLICATION_SCHEMA, translate } from './registry-schema';

const S = `"${APPLICATION_SCHEMA}"`;
/** Rounds of re-allocation for numbers found taken (imported or replicated records). */
const MAX_ALLOCATION_ROUNDS = 20;

/** Thrown inside the transaction to roll it back when a birth date has no numbers left. */
class Exhausted extends Error {
  constructor(readonly birthDate: LocalDate) {
    super(`no sequence numbers left for ${birthDate}`);
  }
}

/**
 * Bulk registration in one TypeORM transaction on one connection, in a handful of statements
 * whatever the number of records:
 *
 * 1. one upsert allocates a range of sequence numbers per birth date (`next_sequence` moves by
 *    the count; the returned value ends the range), birth dates in order so that concurrent
 *    batches lock them in the same order and cannot deadlock; the row locks keep other
 *    allocations of those dates waiting until this transaction ends;
 * 2. one query checks none of the numbers is taken by a record that did not come through the
 *    allocator, allocating again for those that are;
 * 3. `startStreams` writes every record's events in one statement, on the same connection
 *    (`pgClientOf`): the event store's append joins TypeORM's transaction;
 * 4. commit. Any failure rolls all of it back, numbers and events alike.
 */
export class PgBulkRegistrar implements BulkRegistrar {
  constructor(
    private readonly dataSource: DataSource,
    private readonly store: PostgresEventStore,
  ) {}

  async registerAll(
    records: readonly NewPersonRecord[],
    metadata: AppendMetadata,
    keysFor: (nationalIds: readonly string[]) => Promise<SubjectKeys>,
  ): Promise<BulkRegistration> {
    try {
      const nationalIds = await this.dataSource.transaction((manager) =>
        this.registerIn(manager, records, metadata, keysFor),
      );
      return { registered: true, nationalIds };
    } catch (error) {
      if (error instanceof Exhausted) {
        return { registered: false, exhaustedBirthDate: error.birthDate };
      }
      throw error;
    }
  }

  private async registerIn(
    manager: EntityManager,
    records: readonly NewPersonRecord[],
    metadata: AppendMetadata,
    keysFor: (nationalIds: readonly string[]) => Promise<SubjectKeys>,
  ): Promise<string[]> {
    const client = pgClientOf(manager);
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
        manager,
        pending.map(({ record }) => record.birthDate),
      );
      if ('exhausted' in ranges) throw new Exhausted(ranges.exhausted);
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
    // Outside this transaction (the key store's own statements): a rollback leaves the keys of
    // numbers that were not used, which seal nothing.
    const keys = await keysFor(ids);
    await this.store.startStreams(
      client,
      records.map((record, i) => ({
        streamId: ids[i] ?? '',
        events: record.events(ids[i] ?? '', keys),
      })),
      metadata,
    );
    return ids;
  }

  /**
   * Allocates as many sequence numbers per birth date as `birthDates` lists it. A hand-written
   * upsert through TypeORM's manager: the query builder cannot add to the existing value under
   * a condition.
   *
   * @returns The first sequence number of each date's range, or the first exhausted date.
   */
  private async allocate(
    manager: EntityManager,
    birthDates: readonly LocalDate[],
  ): Promise<{ next: Map<LocalDate, number> } | { exhausted: LocalDate }> {
    const counts = new Map<LocalDate, number>();
    for (const date of birthDates) counts.set(date, (counts.get(date) ?? 0) + 1);
    const dates = [...counts.keys()].sort();
    let rows: { birth_date: string; next_sequence: number }[];
    try {
      rows = await manager.query(
        `INSERT INTO ${S}.person_sequences AS s (birth_date, next_sequence)
         SELECT d, n FROM unnest($1::date[], $2::int[]) AS t(d, n) ORDER BY d
         ON CONFLICT (birth_date) DO UPDATE SET next_sequence = s.next_sequence + EXCLUDED.next_sequence
           WHERE s.next_sequence + EXCLUDED.next_sequence <= 1000
         RETURNING to_char(birth_date, 'YYYY-MM-DD') AS birth_date, next_sequence`,
        [dates, dates.map((d) => counts.get(d) ?? 0)],
      );
    } catch (error) {
      throw translate(error, 'allocate person sequences');
    }
    const next = new Map<LocalDate, number>();
    for (const row of rows) {
      next.set(row.birth_date, row.next_sequence - (counts.get(row.birth_date) ?? 0));
    }
    const exhausted = dates.find((d) => !next.has(d));
    return exhausted === undefined ? { next } : { exhausted };
  }
}
