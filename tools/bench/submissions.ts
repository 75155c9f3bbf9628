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
import { spawn, spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { chmodSync, closeSync, mkdtempSync, openSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

import { Client, Pool } from 'pg';

import { ensureLocalSigningKeys, mintToken } from '@gov/platform-auth';
import type { LocalSigningKeys } from '@gov/platform-auth';
import {
  freePort,
  repoRoot,
  startSite,
  startWatchdog,
  stopProcess,
  stopWatchdog,
  waitUntil,
} from '@gov/platform-infra';
import type { LocalSite } from '@gov/platform-infra';

import { serviceDeclaration } from '../scripts/lib/services';
import { Counter, closedLoop } from './lib/load';
import { registerPersonBody } from './lib/persons';
import { RawInserts } from './lib/raw-inserts';
import { round } from './lib/stats';
import type { RunSummary } from './lib/stats';

const ISSUER = 'backbone-bench';
const AUDIENCE = 'backbone';
const SCRATCH_SCHEMA = 'bench_raw';
/** Events a submission appends to the procedures log. */
const EVENTS_PER_SUBMISSION = 4;

const log = (message: string): void => {
  process.stderr.write(`[bench:submissions] ${message}\n`);
};

function options() {
  const { values } = parseArgs({
    options: {
      concurrency: { type: 'string', default: '1,8' },
      seconds: { type: 'string', default: '5' },
      warmup: { type: 'string', default: '1' },
      persons: { type: 'string', default: '200' },
      'log-level': { type: 'string', default: 'warn' },
    },
  });
  return {
    levels: values.concurrency.split(',').map(Number),
    seconds: Number(values.seconds),
    warmup: Number(values.warmup),
    persons: Number(values.persons),
    logLevel: values['log-level'],
  };
}

interface Running {
  readonly url: string;
  readonly databaseUrl: string;
  stop(): Promise<void>;
}

/** Migrates and starts the declared service `name` on `site`, with its own database. */
async function startService(
  name: string,
  dir: string,
  site: LocalSite,
  keys: LocalSigningKeys,
  logLevel: string,
  extra: Record<string, string>,
): Promise<Running> {
  const declaration = serviceDeclaration(name);
  const database = declaration.database?.name ?? name;
  const admin = new Client({ connectionString: site.postgres.url() });
  await admin.connect();
  await admin.query(`CREATE DATABASE "${database}"`);
  await admin.end();
  const databaseUrl = site.postgres.url(database);
  const port = await freePort();
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    HTTP_PORT: String(port),
    HTTP_HOST: '127.0.0.1',
    KAFKA_BROKERS: site.kafka.bootstrap,
    DATABASE_URL: databaseUrl,
    AUTH_JWKS_FILE: keys.jwksFile,
    AUTH_ISSUER: ISSUER,
    AUTH_AUDIENCE: AUDIENCE,
    LOG_LEVEL: logLevel,
    ...extra,
  };
  const migrate = declaration.database?.migrate;
  if (migrate === undefined) throw new Error(`services/${name} declares no migrate entry`);
  const register = require.resolve('@swc-node/register');
  const migrated = spawnSync(process.execPath, ['--require', register, migrate], {
    cwd: repoRoot(),
    env,
    encoding: 'utf8',
  });
  if (migrated.status !== 0) throw new Error(`${name} migrations failed: ${migrated.stderr}`);
  const logFile = join(dir, `${name}.log`);
  const out = openSync(logFile, 'a');
  const child = spawn(process.execPath, ['--require', register, declaration.main], {
    cwd: repoRoot(),
    env,
    stdio: ['ignore', out, out],
  });
  closeSync(out);
  if (child.pid === undefined) throw new Error(`could not start the ${name} service`);
  const pid = child.pid;
  const watchdog = startWatchdog(process.pid, pid, 'SIGTERM');
  const url = `http://127.0.0.1:${String(port)}`;
  const ready = await waitUntil(
    async () => {
      if (child.exitCode !== null) return true;
      try {
        return (await fetch(`${url}/health/ready`)).status === 200;
      } catch {
        return false;
      }
    },
    90_000,
    250,
  );
  if (!ready || child.exitCode !== null) {
    throw new Error(`the ${name} service did not become ready (see ${logFile})`);
  }
  return {
    url,
    databaseUrl,
    stop: async () => {
      await stopProcess(pid, 'SIGTERM');
      stopWatchdog(watchdog);
    },
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
  const services: Running[] = [];
  let pool: Pool | undefined;
  try {
    const keys = await ensureLocalSigningKeys(join(dir, 'auth'));
    const mint = (role: 'citizen' | 'agency' | 'registrar', subject: string, org?: string) =>
      mintToken(keys.privateKeyFile, {
        role,
        subject,
        ...(org === undefined ? {} : { organisationId: org }),
        ...(role === 'registrar' ? { registers: ['persons'] } : {}),
        issuer: ISSUER,
        audience: AUDIENCE,
        expiresIn: '4h',
      });
    const consent = await startService('consent', dir, site, keys, opts.logLevel, {
      RECEIPT_KEY_DIR: join(dir, 'receipts'),
    });
    services.push(consent);
    const registry = await startService('registry', dir, site, keys, opts.logLevel, {
      CONSENT_URL: consent.url,
    });
    services.push(registry);
    const procedures = await startService('procedures', dir, site, keys, opts.logLevel, {
      REGISTRY_URL: registry.url,
      CONSENT_URL: consent.url,
      PROCEDURES_SIGNING_KEY_FILE: keys.privateKeyFile,
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
