import { computeContentHash } from '@gov/platform-event-sourcing';

import { COPY_COLUMNS, copyLine } from './copy-load';
import {
  BIRTH_DATES,
  LOADED_ACTOR,
  PRODUCER,
  SyntheticRegister,
  nationalId,
} from './synthetic-register';
import type { HistoryRow } from './synthetic-register';

describe('nationalId', () => {
  it('composes the number composeNationalId of the registry makes', () => {
    // 1983-08-12, sequence 467: the valid number of the registry domain's own tests.
    expect(nationalId('1983-08-12', 467)).toBe('1983081246785');
  });

  it('refuses a sequence beyond three digits', () => {
    expect(() => nationalId('1983-08-12', 1000)).toThrow(RangeError);
  });
});

describe('SyntheticRegister', () => {
  it('holds exactly the events asked for, positioned 1..n, with linked hash chains', () => {
    const register = new SyntheticRegister(5_000);
    const rows = [...register.rows()];
    expect(rows).toHaveLength(5_000);
    expect(rows.map((row) => row.globalPosition)).toEqual(
      Array.from({ length: 5_000 }, (_, i) => i + 1),
    );
    const heads = new Map<string, HistoryRow>();
    for (const row of rows) {
      const previous = heads.get(row.streamId);
      expect(row.streamVersion).toBe((previous?.streamVersion ?? 0) + 1);
      expect(row.previousHash).toEqual(previous?.contentHash ?? null);
      expect(row.contentHash).toEqual(
        computeContentHash(row.streamId, row.streamVersion, row.event.eventType, row.event.payload),
      );
      expect(row.streamId).toMatch(/^[0-9]{13}$/);
      heads.set(row.streamId, row);
    }
    expect(heads.size).toBe(register.persons);
    // Every stream's version is what the benchmark appends after, the truncated last one too.
    for (let i = 0; i < register.persons; i += 1) {
      expect(heads.get(register.streamId(i))?.streamVersion).toBe(register.versionOf(i));
    }
    expect(Math.max(...[...heads.values()].map((row) => row.streamVersion))).toBe(51);
  });

  it('spreads the persons over the birth dates of its range at every size', () => {
    for (const events of [1, 100_000, 1_000_000, 10_000_000]) {
      const register = new SyntheticRegister(events);
      expect(register.dayOf(register.persons - 1)).toBeLessThan(BIRTH_DATES);
      expect(register.streamId(register.persons - 1) <= '2025123199999').toBe(true);
    }
    // Ten million events: about 7.6 million persons, 196 per birth date.
    expect(new SyntheticRegister(10_000_000).perDate).toBe(196);
  });

  it('keeps the ids of new persons apart from the loaded ones', () => {
    const register = new SyntheticRegister(200_000);
    expect(register.perDate).toBe(4);
    const loaded = new Set(Array.from({ length: 8 }, (_, i) => register.streamId(i)));
    expect(loaded.size).toBe(8);
    expect(loaded.has(register.newStreamId(0, 0))).toBe(false);
    expect(register.newStreamId(0, 0).slice(0, 11)).toBe('19200101004');
  });

  it('is empty for 0 events', () => {
    const register = new SyntheticRegister(0);
    expect(register.persons).toBe(0);
    expect([...register.rows()]).toEqual([]);
    expect(register.newStreamId(17, 0).slice(8, 11)).toBe('000');
  });
});

describe('copyLine', () => {
  const [first, second] = new SyntheticRegister(10).rows();

  it('writes one tab-separated field per column, NULL as \\N and bytea as escaped hex', () => {
    if (!first || !second) throw new Error('no rows');
    const fields = copyLine(first, { producer: PRODUCER, actor: LOADED_ACTOR }).split('\t');
    expect(fields).toHaveLength(COPY_COLUMNS.length);
    expect(fields[COPY_COLUMNS.indexOf('stream_id')]).toBe(first.streamId);
    expect(fields[COPY_COLUMNS.indexOf('previous_hash')]).toBe('\\N');
    expect(fields[COPY_COLUMNS.indexOf('content_hash')]).toBe(
      `\\\\x${Buffer.from(first.contentHash).toString('hex')}`,
    );
    expect(fields.at(-1)).toBe('1\n');
  });

  it('escapes backslashes, tabs and line breaks in text', () => {
    if (!first) throw new Error('no rows');
    const line = copyLine(
      { ...first, correlationId: 'a\tb\\c\nd' },
      { producer: PRODUCER, actor: LOADED_ACTOR },
    );
    expect(line.split('\t')[COPY_COLUMNS.indexOf('correlation_id')]).toBe('a\\tb\\\\c\\nd');
  });
});
