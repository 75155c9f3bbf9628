import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

import { Client } from 'pg';

import { freePort } from './processes';
import { startPostgres } from './postgres';

describe('startPostgres (real PostgreSQL)', () => {
  // A clone in root's home (mode 700 on Debian) puts the data directory where the `postgres`
  // user, which runs the server when we are root, cannot enter.
  it('starts and answers from a base directory inside a mode-700 directory', async () => {
    const locked = mkdtempSync(join(tmpdir(), 'pg-locked-'));
    expect(statSync(locked).mode & 0o777).toBe(0o700);
    const node = await startPostgres({
      dir: join(locked, 'sites', 'primary', 'postgres'),
      port: await freePort(),
      durable: false,
    });
    try {
      const client = new Client({ connectionString: node.url() });
      await client.connect();
      try {
        const { rows } = await client.query<{ answer: number }>('SELECT 6 * 7 AS answer');
        expect(rows[0]?.answer).toBe(42);
      } finally {
        await client.end();
      }
    } finally {
      await node.stop();
      rmSync(locked, { recursive: true, force: true });
      // Relocated out of the locked folder: its own folder goes too.
      if (!node.dataDir.startsWith(locked)) {
        rmSync(dirname(node.dataDir), { recursive: true, force: true });
      }
    }
  });
});
