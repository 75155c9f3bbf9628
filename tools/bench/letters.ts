// `npm run bench:letters`: letter delivery (POST /letters) with 100 KiB PDF documents, measured.
//
// Starts a throw-away site (Kafka, durable PostgreSQL) on free loopback ports, migrates and
// starts the real letterbox from source as `npm start` does, and for each concurrency level
// delivers distinct 100 KiB documents for a fixed time (closed loop, after a warm-up): each
// delivery is JSON with the document in base64, the type check, the SHA-256, the content row
// (bytea), the letter's two events and read-model row in one transaction, the outbox for the
// documents topic. Then the raw baseline at the same concurrency, in the same run: plain
// INSERTs of the same bytes (a document per row, bytea) into a scratch table of the same
// database. Prints a table and one JSON line with every figure (letters/s, MiB/s, p50, p99).
// A shared machine (other processes, 2 cores) moves the figures: compare ratios within a run.
// Flags:
//   --concurrency 1,8      levels
//   --seconds 5            measured seconds per level and kind
//   --warmup 1             warm-up seconds per level and kind
//   --kib 100              document size
//   --log-level warn       the service's LOG_LEVEL
import { randomUUID } from 'node:crypto';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';

import { Pool } from 'pg';

import { ensureLocalSigningKeys, mintToken } from '@gov/platform-auth';
import { freePort, startSite } from '@gov/platform-infra';
import type { LocalSite } from '@gov/platform-infra';

import { BENCH_AUDIENCE, BENCH_ISSUER, startBenchService } from './lib/bench-service';
import { Counter, closedLoop } from './lib/load';
import { benchLog, closedLoopOptions } from './lib/options';
import { round } from './lib/stats';
import type { RunSummary } from './lib/stats';

const SCRATCH_SCHEMA = 'bench_raw';
const MIB = 1024 * 1024;

const log = benchLog('letters');

function options() {
  const o = closedLoopOptions('1,8', { kib: { type: 'string', default: '100' } });
  return {
    levels: o.levels,
    seconds: o.seconds,
    warmup: o.warmup,
    bytes: Number(o.flag('kib')) * 1024,
    logLevel: o.logLevel,
  };
}

interface Service {
  readonly url: string;
  readonly databaseUrl: string;
  readonly agency: string;
  stop(): Promise<void>;
}

async function startLetterbox(dir: string, site: LocalSite, logLevel: string): Promise<Service> {
  const keys = await ensureLocalSigningKeys(join(dir, 'auth'));
  const service = await startBenchService('letterbox', { dir, site, keys, logLevel });
  return {
    ...service,
    agency: await mintToken(keys.privateKeyFile, {
      role: 'agency',
      subject: 'svc-ccss',
      organisationId: 'ccss',
      issuer: BENCH_ISSUER,
      audience: BENCH_AUDIENCE,
      expiresIn: '4h',
    }),
  };
}

/** A distinct PDF-signed document of `size` bytes for operation `index`. */
function document(template: Buffer, index: number): Buffer {
  const bytes = Buffer.from(template);
  bytes.write(`%PDF-1.7\n% bench letter ${String(index)} ${randomUUID()}\n`);
  return bytes;
}

async function main(): Promise<void> {
  const opts = options();
  const dir = mkdtempSync(join(tmpdir(), 'backbone-bench-letters-'));
  chmodSync(dir, 0o755);
  const ports = {
    kafka: await freePort(),
    kafkaController: await freePort(),
    postgres: await freePort(),
  };
  log(`starting Kafka and durable PostgreSQL in ${dir}`);
  const site = await startSite({ name: 'bench', dir, ports, ownerPid: process.pid, durable: true });
  let service: Service | undefined;
  let pool: Pool | undefined;
  try {
    service = await startLetterbox(dir, site, opts.logLevel);
    const letterbox = service;
    const rawPool = new Pool({
      connectionString: letterbox.databaseUrl,
      max: Math.max(...opts.levels) + 2,
    });
    pool = rawPool;
    await rawPool.query(`CREATE SCHEMA ${SCRATCH_SCHEMA}`);
    await rawPool.query(
      `CREATE TABLE ${SCRATCH_SCHEMA}.documents (id uuid PRIMARY KEY, bytes bytea NOT NULL)`,
    );
    await rawPool.query(
      `ALTER TABLE ${SCRATCH_SCHEMA}.documents ALTER COLUMN bytes SET STORAGE EXTERNAL`,
    );
    const template = Buffer.alloc(opts.bytes, 0x20);
    const kinds = {
      deliver: async (index: number) => {
        const response = await fetch(`${letterbox.url}/letters`, {
          method: 'POST',
          headers: {
            authorization: `Bearer ${letterbox.agency}`,
            'content-type': 'application/json',
            'idempotency-key': randomUUID(),
          },
          body: JSON.stringify({
            recipient: { kind: 'person', id: String(1_900_000_000_000 + (index % 10_000)) },
            subject: `Bench letter ${String(index)}`,
            contentType: 'application/pdf',
            content: document(template, index).toString('base64'),
            retentionDays: 30,
          }),
        });
        const answer = await response.text();
        if (response.status !== 201) throw new Error(`${String(response.status)} ${answer}`);
      },
      'raw-insert': async (index: number) => {
        await rawPool.query(`INSERT INTO ${SCRATCH_SCHEMA}.documents (id, bytes) VALUES ($1, $2)`, [
          randomUUID(),
          document(template, index),
        ]);
      },
    };
    const counter = new Counter();
    const results: {
      concurrency: number;
      kind: string;
      summary: RunSummary;
      failures: readonly string[];
    }[] = [];
    for (const concurrency of opts.levels) {
      for (const [kind, operation] of Object.entries(kinds)) {
        await closedLoop(concurrency, opts.warmup * 1000, operation, counter);
        const run = await closedLoop(concurrency, opts.seconds * 1000, operation, counter);
        results.push({ concurrency, kind, ...run });
        log(
          `c=${String(concurrency)} ${kind}: ${round(run.summary.perSecond, 1)}/s p50 ${round(run.summary.p50)} ms p99 ${round(run.summary.p99)} ms errors ${String(run.summary.errors)}`,
        );
      }
    }
    const table = results.map((r) => ({
      concurrency: r.concurrency,
      kind: r.kind,
      perSecond: round(r.summary.perSecond, 1),
      mibPerSecond: round((r.summary.perSecond * opts.bytes) / MIB, 1),
      p50: round(r.summary.p50),
      p99: round(r.summary.p99),
      errors: r.summary.errors,
      ratioToRaw: round(
        r.summary.perSecond /
          (results.find((x) => x.concurrency === r.concurrency && x.kind === 'raw-insert')?.summary
            .perSecond ?? Number.NaN),
        3,
      ),
    }));
    process.stdout.write(
      `${table
        .map(
          (row) =>
            `c=${String(row.concurrency).padEnd(3)} ${row.kind.padEnd(10)} ${String(row.perSecond).padStart(8)}/s ${String(row.mibPerSecond).padStart(7)} MiB/s  p50 ${String(row.p50).padStart(7)} ms  p99 ${String(row.p99).padStart(7)} ms  ×raw ${String(row.ratioToRaw)}`,
        )
        .join('\n')}\n`,
    );
    process.stdout.write(
      `${JSON.stringify({
        benchmark: 'letters',
        cpus: cpus().length,
        loadavg: loadavg().map((l) => round(l)),
        seconds: opts.seconds,
        documentBytes: opts.bytes,
        results: table,
        failures: results.flatMap((r) => r.failures).slice(0, 5),
      })}\n`,
    );
  } finally {
    await pool?.end();
    await service?.stop();
    await site.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  log(error instanceof Error ? (error.stack ?? error.message) : String(error));
  process.exitCode = 1;
});
