import { Client } from 'pg';

import { createTestDatabase, testInfra, uniqueName } from '../index';

describe('test harness', () => {
  it('gives each caller a database of its own that is gone after drop', async () => {
    const first = await createTestDatabase('harness');
    const second = await createTestDatabase('harness');
    expect(first.name).not.toEqual(second.name);

    const client = new Client({ connectionString: first.url });
    await client.connect();
    await client.query('CREATE TABLE t (v int)');
    await client.query('INSERT INTO t VALUES (42)');
    const { rows } = await client.query<{ v: number }>('SELECT v FROM t');
    await client.end();
    expect(rows).toEqual([{ v: 42 }]);

    const other = new Client({ connectionString: second.url });
    await other.connect();
    const tables = await other.query(`SELECT 1 FROM pg_tables WHERE tablename = 't'`);
    await other.end();
    expect(tables.rowCount).toBe(0);

    await first.drop();
    await second.drop();
    const admin = new Client({ connectionString: testInfra().postgresUrl });
    await admin.connect();
    const left = await admin.query('SELECT 1 FROM pg_database WHERE datname = ANY($1)', [
      [first.name, second.name],
    ]);
    await admin.end();
    expect(left.rowCount).toBe(0);
  });

  it('makes unique, lower-case names', () => {
    const names = new Set(Array.from({ length: 100 }, () => uniqueName('Topic')));
    expect(names.size).toBe(100);
    for (const name of names) expect(name).toMatch(/^topic_[0-9a-f]{12}$/);
  });
});
