// `npm run bench:decisions`: the consent service's decision API (POST /decisions), measured.
//
// Starts a throw-away site (Kafka, durable PostgreSQL) on free loopback ports, migrates and
// starts the real consent service from source as `npm start` does, and for each concurrency
// level drives two kinds of permits for a fixed time (closed loop, after a warm-up):
//
//   legal-basis  an agency asks on a basis of the catalogue (ccss, family allowances): the
//                permit is appended to the subject's decisions stream (no expected version);
//   consent      an agency asks for a category only a consent grants: the decider counts a use
//                on the artefact's stream at its expected version (one of --artefacts artefacts,
//                so concurrent requests on one artefact retry as they would in production).
//
// Then the raw baseline at the same concurrency, in the same run: plain INSERTs of the same
// permits (copied from the service's own rows) into a scratch copy of its events table. Prints
// a table and one JSON line with every figure. Flags:
//   --concurrency 1,8,32   levels
//   --seconds 5            measured seconds per level and kind
//   --warmup 1             warm-up seconds per level and kind
//   --artefacts 200        consent artefacts the consent permits spread over
//   --log-level warn       the service's LOG_LEVEL
import { randomUUID } from 'node:crypto';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';

import { Pool } from 'pg';

import { ensureLocalSigningKeys, mintToken } from '@gov/platform-auth';
import { freePort, startSite } from '@gov/platform-infra';
import type { LocalSite } from '@gov/platform-infra';

import { Counter, closedLoop } from './lib/load';
import { BENCH_AUDIENCE, BENCH_ISSUER, startBenchService } from './lib/bench-service';
import { RawInserts } from './lib/raw-inserts';
import { benchLog, closedLoopOptions } from './lib/options';
import { round } from './lib/stats';
import type { RunSummary } from './lib/stats';

const SCRATCH_SCHEMA = 'bench_raw';
const PURPOSE_BY_CONSENT = 'family-allowance-payment-account';

const log = benchLog('decisions');

function options() {
  const o = closedLoopOptions('1,8,32', { artefacts: { type: 'string', default: '200' } });
  return {
    levels: o.levels,
    seconds: o.seconds,
    warmup: o.warmup,
    artefacts: Number(o.flag('artefacts')),
    logLevel: o.logLevel,
  };
}

/** A national identification number for subject `n` (13 digits; the bench's own range). */
const subject = (n: number): string => String(1_900_000_000_000 + n);

interface Service {
  readonly url: string;
  readonly databaseUrl: string;
  readonly citizen: (nationalId: string) => Promise<string>;
  readonly agency: string;
  stop(): Promise<void>;
}

async function startConsent(dir: string, site: LocalSite, logLevel: string): Promise<Service> {
  const keys = await ensureLocalSigningKeys(join(dir, 'auth'));
  const mint = (request: { role: 'citizen' | 'agency'; subject: string; org?: string }) =>
    mintToken(keys.privateKeyFile, {
      role: request.role,
      subject: request.subject,
      ...(request.org === undefined ? {} : { organisationId: request.org }),
      issuer: BENCH_ISSUER,
      audience: BENCH_AUDIENCE,
      expiresIn: '4h',
    });
  const service = await startBenchService('consent', {
    dir,
    site,
    keys,
    logLevel,
    env: { RECEIPT_KEY_DIR: join(dir, 'receipts') },
  });
  return {
    ...service,
    citizen: (nationalId) => mint({ role: 'citizen', subject: nationalId }),
    agency: await mint({ role: 'agency', subject: 'svc-ccss', org: 'ccss' }),
  };
}

async function post(url: string, bearer: string, body: unknown): Promise<Record<string, unknown>> {
  const response = await fetch(url, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${bearer}`,
      'content-type': 'application/json',
      'idempotency-key': randomUUID(),
    },
    body: JSON.stringify(body),
  });
  const answer = (await response.json()) as Record<string, unknown>;
  if (response.status >= 300) {
    throw new Error(`${String(response.status)} ${JSON.stringify(answer)}`);
  }
  return answer;
}

async function main(): Promise<void> {
  const opts = options();
  const dir = mkdtempSync(join(tmpdir(), 'backbone-bench-decisions-'));
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
    service = await startConsent(dir, site, opts.logLevel);
    const consent = service;
    // The raw baseline's connections: one per worker of the highest level, as the service has.
    const rawPool = new Pool({
      connectionString: consent.databaseUrl,
      max: Math.max(...opts.levels) + 2,
    });
    pool = rawPool;
    log(`granting ${String(opts.artefacts)} consents`);
    for (let n = 0; n < opts.artefacts; n += 1) {
      await post(`${consent.url}/consents`, await consent.citizen(subject(n)), {
        organisationId: 'ccss',
        categories: ['personal-space.bank-account'],
        purpose: PURPOSE_BY_CONSENT,
        validUntil: new Date(Date.now() + 30 * 24 * 3600_000).toISOString(),
      });
    }
    const decide = (body: Record<string, unknown>) => async () => {
      const answer = await post(`${consent.url}/decisions`, consent.agency, body);
      if (answer['decision'] !== 'permit')
        throw new Error(`not permitted: ${JSON.stringify(answer)}`);
    };
    const kinds = {
      'legal-basis': (index: number) =>
        decide({
          subject: subject(1_000_000 + index),
          categories: ['persons.address', 'persons.birth_date'],
          purpose: 'family-allowance-eligibility',
        })(),
      consent: (index: number) =>
        decide({
          subject: subject(index % opts.artefacts),
          categories: ['personal-space.bank-account'],
          purpose: PURPOSE_BY_CONSENT,
        })(),
    };
    const counter = new Counter();
    const results: {
      concurrency: number;
      kind: string;
      summary: RunSummary;
      failures: readonly string[];
    }[] = [];
    let raw: RawInserts | undefined;
    for (const concurrency of opts.levels) {
      for (const [kind, operation] of Object.entries(kinds)) {
        await closedLoop(concurrency, opts.warmup * 1000, operation, counter);
        const run = await closedLoop(concurrency, opts.seconds * 1000, operation, counter);
        results.push({ concurrency, kind, ...run });
        log(
          `c=${String(concurrency)} ${kind}: ${round(run.summary.perSecond, 1)}/s p50 ${round(run.summary.p50)} ms p99 ${round(run.summary.p99)} ms errors ${String(run.summary.errors)}`,
        );
      }
      raw ??= await RawInserts.prepare(rawPool, 'consent', SCRATCH_SCHEMA);
      const insert = raw.insert;
      await closedLoop(concurrency, opts.warmup * 1000, insert, counter);
      const run = await closedLoop(concurrency, opts.seconds * 1000, insert, counter);
      results.push({ concurrency, kind: 'raw-insert', ...run });
      log(
        `c=${String(concurrency)} raw-insert: ${round(run.summary.perSecond, 1)}/s p50 ${round(run.summary.p50)} ms p99 ${round(run.summary.p99)} ms`,
      );
    }
    const table = results.map((r) => ({
      concurrency: r.concurrency,
      kind: r.kind,
      perSecond: round(r.summary.perSecond, 1),
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
            `c=${String(row.concurrency).padEnd(3)} ${row.kind.padEnd(12)} ${String(row.perSecond).padStart(9)}/s  p50 ${String(row.p50).padStart(7)} ms  p99 ${String(row.p99).padStart(7)} ms  ×raw ${String(row.ratioToRaw)}`,
        )
        .join('\n')}\n`,
    );
    process.stdout.write(
      `${JSON.stringify({
        benchmark: 'decisions',
        cpus: cpus().length,
        loadavg: loadavg().map((l) => round(l)),
        seconds: opts.seconds,
        artefacts: opts.artefacts,
        raw: raw?.shape(),
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
