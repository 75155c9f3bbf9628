// `npm run bench:submissions`: submissions per second with prefill, measured.
//
// Starts a throw-away site (Kafka, durable PostgreSQL) on free loopback ports, migrates and
// starts the real registry, consent and procedures services from source as `npm start` does,
// registers --persons persons, and for each concurrency level drives whole submissions for a
// fixed time (closed loop, after a warm-up). One submission is four requests to the procedures
// service, as a portal makes them:
//
//   POST /drafts                     start the family-allowance procedure
//   POST /drafts/{id}/prefill-preview   asks the consent service the person's Yes/No per source
//   POST /drafts/{id}/prefill        accepts the register of persons: one registry read with
//                                    the service's agency token (recorded as an access event)
//   POST /drafts/{id}/submit         the rest of the form, checked against the JSON Schema
//
// Then the raw baseline at the same concurrency, in the same run: plain INSERTs of the
// procedures service's own events (copied from its rows) into a scratch copy of its events
// table. A submission appends four events to the procedures log (and one to the registry's),
// so the table also gives the events per second of the submissions beside the raw inserts.
// Flags:
//   --concurrency 1,8      levels
//   --seconds 5            measured seconds per level
//   --warmup 1             warm-up seconds per level
//   --persons 200          registered persons the submissions spread over
//   --log-level warn       the services' LOG_LEVEL
import { randomUUID } from 'node:crypto';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';

import { Pool } from 'pg';

import { ensureLocalSigningKeys, mintToken } from '@gov/platform-auth';
import { freePort, startSite } from '@gov/platform-infra';

import { Counter, closedLoop } from './lib/load';
import { registerPersonBody } from './lib/persons';
import { BENCH_AUDIENCE, BENCH_ISSUER, startBenchService } from './lib/bench-service';
import type { BenchService } from './lib/bench-service';
import { RawInserts } from './lib/raw-inserts';
import { benchLog, closedLoopOptions } from './lib/options';
import { round } from './lib/stats';
import type { RunSummary } from './lib/stats';

const SCRATCH_SCHEMA = 'bench_raw';
/** Events a submission appends to the procedures log. */
const EVENTS_PER_SUBMISSION = 4;

const log = benchLog('submissions');

function options() {
  const o = closedLoopOptions('1,8', { persons: { type: 'string', default: '200' } });
  return {
    levels: o.levels,
    seconds: o.seconds,
    warmup: o.warmup,
    persons: Number(o.flag('persons')),
    logLevel: o.logLevel,
  };
}

async function post(url: string, bearer: string, body?: unknown): Promise<Record<string, unknown>> {
  const response = await fetch(url, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${bearer}`,
      'idempotency-key': randomUUID(),
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const answer = (await response.json()) as Record<string, unknown>;
  if (response.status >= 300) {
    throw new Error(`${String(response.status)} ${JSON.stringify(answer)}`);
  }
  return answer;
}

async function main(): Promise<void> {
  const opts = options();
  const dir = mkdtempSync(join(tmpdir(), 'backbone-bench-submissions-'));
  chmodSync(dir, 0o755);
  const ports = {
    kafka: await freePort(),
    kafkaController: await freePort(),
    postgres: await freePort(),
  };
  log(`starting Kafka and durable PostgreSQL in ${dir}`);
  const site = await startSite({ name: 'bench', dir, ports, ownerPid: process.pid, durable: true });
  const services: BenchService[] = [];
  let pool: Pool | undefined;
  try {
    const keys = await ensureLocalSigningKeys(join(dir, 'auth'));
    const mint = (role: 'citizen' | 'agency' | 'registrar', subject: string, org?: string) =>
      mintToken(keys.privateKeyFile, {
        role,
        subject,
        ...(org === undefined ? {} : { organisationId: org }),
        ...(role === 'registrar' ? { registers: ['persons'] } : {}),
        issuer: BENCH_ISSUER,
        audience: BENCH_AUDIENCE,
        expiresIn: '4h',
      });
    const consent = await startBenchService('consent', {
      dir,
      site,
      keys,
      logLevel: opts.logLevel,
      env: {
        RECEIPT_KEY_DIR: join(dir, 'receipts'),
      },
    });
    services.push(consent);
    const registry = await startBenchService('registry', {
      dir,
      site,
      keys,
      logLevel: opts.logLevel,
      env: {
        CONSENT_URL: consent.url,
      },
    });
    services.push(registry);
    const procedures = await startBenchService('procedures', {
      dir,
      site,
      keys,
      logLevel: opts.logLevel,
      env: {
        REGISTRY_URL: registry.url,
        CONSENT_URL: consent.url,
        PROCEDURES_SIGNING_KEY_FILE: keys.privateKeyFile,
      },
    });
    services.push(procedures);

    log(`registering ${String(opts.persons)} persons`);
    const registrar = await mint('registrar', 'clerk-bench', 'rnpp');
    const citizens: string[] = [];
    for (let start = 0; start < opts.persons; start += 500) {
      const count = Math.min(500, opts.persons - start);
      const answer = await post(`${registry.url}/persons/batch`, registrar, {
        persons: Array.from({ length: count }, (_, i) => registerPersonBody(start + i)),
      });
      const registered = answer['registered'] as { nationalId: string }[];
      for (const person of registered) citizens.push(await mint('citizen', person.nationalId));
    }

    const submission = async (index: number) => {
      const citizen = citizens[index % citizens.length] ?? '';
      const P = procedures.url;
      const draft = await post(`${P}/drafts`, citizen, { procedureId: 'family-allowance' });
      const id = String(draft['caseId']);
      const preview = await post(`${P}/drafts/${id}/prefill-preview`, citizen);
      await post(`${P}/drafts/${id}/prefill`, citizen, {
        previewId: preview['previewId'],
        sources: { persons: true, 'personal-space': false },
      });
      await post(`${P}/drafts/${id}/submit`, citizen, {
        form: {
          bankAccount: 'LU280019400644750000',
          childGivenNames: 'Léa',
          childFamilyName: 'Schmit',
          childBirthDate: '2026-01-15',
        },
      });
    };

    const rawPool = new Pool({
      connectionString: procedures.databaseUrl,
      max: Math.max(...opts.levels) + 2,
    });
    pool = rawPool;
    const counter = new Counter();
    const results: {
      concurrency: number;
      kind: string;
      summary: RunSummary;
      failures: readonly string[];
    }[] = [];
    let raw: RawInserts | undefined;
    for (const concurrency of opts.levels) {
      await closedLoop(concurrency, opts.warmup * 1000, submission, counter);
      const run = await closedLoop(concurrency, opts.seconds * 1000, submission, counter);
      results.push({ concurrency, kind: 'submission', ...run });
      log(
        `c=${String(concurrency)} submission: ${round(run.summary.perSecond, 1)}/s p50 ${round(run.summary.p50)} ms p99 ${round(run.summary.p99)} ms errors ${String(run.summary.errors)}`,
      );
      raw ??= await RawInserts.prepare(rawPool, 'procedures', SCRATCH_SCHEMA);
      const insert = raw.insert;
      await closedLoop(concurrency, opts.warmup * 1000, insert, counter);
      const rawRun = await closedLoop(concurrency, opts.seconds * 1000, insert, counter);
      results.push({ concurrency, kind: 'raw-insert', ...rawRun });
      log(
        `c=${String(concurrency)} raw-insert: ${round(rawRun.summary.perSecond, 1)}/s p50 ${round(rawRun.summary.p50)} ms p99 ${round(rawRun.summary.p99)} ms`,
      );
    }
    const table = results.map((r) => {
      const rawRate =
        results.find((x) => x.concurrency === r.concurrency && x.kind === 'raw-insert')?.summary
          .perSecond ?? Number.NaN;
      const eventsPerSecond =
        r.kind === 'submission' ? r.summary.perSecond * EVENTS_PER_SUBMISSION : r.summary.perSecond;
      return {
        concurrency: r.concurrency,
        kind: r.kind,
        perSecond: round(r.summary.perSecond, 1),
        eventsPerSecond: round(eventsPerSecond, 1),
        p50: round(r.summary.p50),
        p99: round(r.summary.p99),
        errors: r.summary.errors,
        eventsRatioToRaw: round(eventsPerSecond / rawRate, 3),
      };
    });
    process.stdout.write(
      `${table
        .map(
          (row) =>
            `c=${String(row.concurrency).padEnd(3)} ${row.kind.padEnd(11)} ${String(row.perSecond).padStart(9)}/s  events ${String(row.eventsPerSecond).padStart(9)}/s  p50 ${String(row.p50).padStart(7)} ms  p99 ${String(row.p99).padStart(7)} ms  events ×raw ${String(row.eventsRatioToRaw)}`,
        )
        .join('\n')}\n`,
    );
    process.stdout.write(
      `${JSON.stringify({
        benchmark: 'submissions',
        cpus: cpus().length,
        loadavg: loadavg().map((l) => round(l)),
        seconds: opts.seconds,
        persons: opts.persons,
        raw: raw?.shape(),
        results: table,
        failures: results.flatMap((r) => r.failures).slice(0, 5),
      })}\n`,
    );
  } finally {
    await pool?.end();
    for (const service of services.reverse()) await service.stop();
    await site.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  log(error instanceof Error ? (error.stack ?? error.message) : String(error));
  process.exitCode = 1;
});
