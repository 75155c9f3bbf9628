import { spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

import { Kafka, logLevel } from 'kafkajs';
import { Client } from 'pg';

import { freePort, isAlive, isPortOpen, waitUntil } from './processes';
import { startEphemeralSite, startSite } from './site';
import type { LocalSite } from './site';

/** What the site's cluster says about itself, asked as its super user (kafkajs, as a client would). */
async function describeCluster(site: LocalSite) {
  const admin = new Kafka({
    clientId: 'site-spec',
    brokers: [site.kafka.bootstrap],
    sasl: site.kafka.sasl(),
    logLevel: logLevel.NOTHING,
  }).admin();
  await admin.connect();
  try {
    return await admin.describeCluster();
  } finally {
    await admin.disconnect();
  }
}

async function sqlRoundTrip(url: string): Promise<number | undefined> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<{ answer: number }>('SELECT 6 * 7 AS answer');
    return rows[0]?.answer;
  } finally {
    await client.end();
  }
}

describe('local site (real Kafka and PostgreSQL)', () => {
  it('starts a ready Kafka and PostgreSQL and stops them without leaving a process', async () => {
    const site = await startEphemeralSite('lifecycle');
    const pids = [site.kafka.pid, site.postgres.pid];
    try {
      const { brokers, clusterId } = await describeCluster(site);
      expect(brokers).toEqual([{ nodeId: 1, host: '127.0.0.1', port: site.ports.kafka }]);
      expect(clusterId).toMatch(/^[A-Za-z0-9_-]{22}$/);
      expect(await sqlRoundTrip(site.postgres.url())).toBe(42);
    } finally {
      await site.stop();
    }
    for (const pid of pids) expect(isAlive(pid)).toBe(false);
    expect(await isPortOpen(site.ports.kafka)).toBe(false);
    expect(await isPortOpen(site.ports.postgres)).toBe(false);
  });

  it('runs two sites side by side that share no process, cluster or data', async () => {
    const [primary, embassy] = await Promise.all([
      startEphemeralSite('side-a'),
      startEphemeralSite('side-b'),
    ]);
    try {
      const [a, b] = await Promise.all([describeCluster(primary), describeCluster(embassy)]);
      expect(a.clusterId).not.toEqual(b.clusterId);
      expect(primary.postgres.pid).not.toEqual(embassy.postgres.pid);

      const write = new Client({ connectionString: primary.postgres.url() });
      await write.connect();
      await write.query('CREATE TABLE only_on_primary (v int)');
      await write.end();
      const read = new Client({ connectionString: embassy.postgres.url() });
      await read.connect();
      const found = await read.query(`SELECT 1 FROM pg_tables WHERE tablename = 'only_on_primary'`);
      await read.end();
      expect(found.rowCount).toBe(0);
    } finally {
      await Promise.all([primary.stop(), embassy.stop()]);
    }
  });

  it('reuses a running site on a second start instead of starting another', async () => {
    const first = await startEphemeralSite('idempotent');
    try {
      const again = await startSite({ name: 'idempotent', dir: first.dir, ports: first.ports });
      expect(again.kafka.startedHere).toBe(false);
      expect(again.postgres.startedHere).toBe(false);
      expect(again.kafka.pid).toBe(first.kafka.pid);
      expect(again.postgres.pid).toBe(first.postgres.pid);
    } finally {
      await first.stop();
    }
  });

  it('refuses a port that something else holds, naming the variable that moves it', async () => {
    const site = await startEphemeralSite('taken');
    try {
      await expect(
        startSite({
          name: 'taken-2',
          dir: join(site.dir, 'other'),
          ports: {
            kafka: site.ports.kafka,
            kafkaController: await freePort(),
            postgres: await freePort(),
          },
          portVariables: { kafka: 'KAFKA_PORT', postgres: 'POSTGRES_PORT' },
        }),
      ).rejects.toThrow(/port \d+ for kafka@\d+ is already taken[\s\S]*KAFKA_PORT/);
    } finally {
      await site.stop();
    }
  });

  it('stops Kafka and PostgreSQL when the process that started them is SIGKILLed', async () => {
    const child = spawn(
      process.execPath,
      [
        '--require',
        require.resolve('@swc-node/register'),
        join(__dirname, 'fixtures/site-owner.fixture.ts'),
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    const lines = createInterface({ input: child.stdout });
    const first = await new Promise<string>((resolve, reject) => {
      lines.once('line', resolve);
      child.once('exit', (code) => {
        reject(new Error(`fixture exited early with ${String(code)}`));
      });
    });
    const started = JSON.parse(first) as { kafka: number; postgres: number; dir: string };
    try {
      expect(isAlive(started.kafka)).toBe(true);
      expect(isAlive(started.postgres)).toBe(true);

      child.kill('SIGKILL');

      const gone = await waitUntil(
        () => !isAlive(started.kafka) && !isAlive(started.postgres),
        40_000,
        250,
      );
      expect(gone).toBe(true);
    } finally {
      for (const pid of [started.kafka, started.postgres]) {
        if (isAlive(pid)) process.kill(pid, 'SIGKILL');
      }
      rmSync(started.dir, { recursive: true, force: true });
    }
  });
});
