// `npm run bench` (nx run tools:bench): the BRIEF's command-path target, measured.
//
//   Command path (HTTP → event store → Kafka): at least half the throughput of raw PostgreSQL
//   inserts of the same events measured in the same run; p99 latency in tens of milliseconds on
//   2 cores.
//
// Starts a throw-away site (Kafka, durable PostgreSQL), migrates and starts the real registry (or,
// with --service consent, the consent service and its POST /consents)
// service, and for each concurrency level drives POST /persons for a fixed time (closed loop,
// after a warm-up), waits until the outbox relay has published everything to Kafka (the "→
// Kafka" part), then runs the raw baseline at the same concurrency: plain INSERTs of the same
// events into a scratch copy of the events table. Prints a table, the ratio per level, and one
// JSON line with every figure. Flags:
//   --concurrency 1,8,32   levels (workers = concurrent requests or connections)
//   --seconds 10           measured seconds per level and side
//   --warmup 2             warm-up seconds per level and side (not measured)
//   --log-level info       the service's LOG_LEVEL (info is its default in a deployment)
//   --bulk 1               persons per request: 1 is POST /persons; more is POST /persons/batch
//                          (a bulk import), compared with raw multi-row INSERTs of as many rows
//   --soak 0               then this many seconds of steady load at the first level, sampling
//                          the service's resident memory (growth under load)
//   --profile DIR          write a V8 CPU profile of the service to DIR (when it stops)
//   --service registry     the service measured: registry (POST /persons) or consent
//                          (POST /consents, a person's grant)
import { cpus, loadavg } from 'node:os';
import { parseArgs } from 'node:util';

import { Pool } from 'pg';

import { cpuMsPerOperation, cpuShare, sampleCpu } from './lib/cpu';
import type { CpuShare } from './lib/cpu';
import { Counter, closedLoop } from './lib/load';
import type { LoadRun } from './lib/load';
import { mib, residentBytes, sampleResident } from './lib/memory';
import { registerPersonBody } from './lib/persons';
import { RawInserts } from './lib/raw-inserts';
import { startBenchSite } from './lib/bench-site';
import type { BenchSite, BenchedService } from './lib/bench-site';
import { round } from './lib/stats';
import type { RunSummary } from './lib/stats';
import { StatementCounter } from './lib/statements';
import type { StatementAccount } from './lib/statements';

/** The public change feed's checkpoint, when the registry runs it (`@gov/registry-feed`). */
const FEED_CHECKPOINT = 'registry.changes.v1';
const SCRATCH_SCHEMA = 'bench_raw';
const DRAIN_TIMEOUT_MS = 120_000;
/** Above this share of the CPUs used by other processes, a run is reported as disturbed. */
const DISTURBANCE_PCT = 10;
/** Issue 13's targets: command/raw at concurrency 8 and 32, and p99 at concurrency 8. */
const QUARTER = 0.25;
const P99_TARGET_MS = 25;

interface Options {
  readonly service: BenchedService;
  readonly levels: readonly number[];
  readonly seconds: number;
  readonly warmup: number;
  readonly logLevel: string;
  /** Events per command (and per raw transaction). */
  readonly batch: number;
  /** Seconds of steady load after the levels, for memory growth; 0 for none. */
  readonly soak: number;
  readonly profileDir: string | undefined;
}

interface Drain {
  /** From the last response of the level until the relay's checkpoint reached the log's head. */
  readonly relayMs: number;
  /** The same for the change feed; `null` when the registry does not run it. */
  readonly feedMs: number | null;
}

interface LevelResult {
  readonly concurrency: number;
  readonly command: RunSummary & {
    readonly eventsPerSecond: number;
    readonly drain: Drain;
    readonly cpu: CpuShare;
    /** CPU milliseconds per request, by process: driver, the service, postgresql, kafka. */
    readonly cpuMs: Readonly<Record<string, number>>;
    /** What the server executed per request, when `pg_stat_statements` is there. */
    readonly statements: StatementAccount | undefined;
    /** The service's resident memory during the run: highest sample, bytes. */
    readonly residentMaxBytes: number;
    /** Queries the service sent to PostgreSQL per request (round trips), from its metrics. */
    readonly roundTrips: number | undefined;
  };
  readonly raw: RunSummary & {
    readonly cpu: CpuShare;
    readonly cpuMs: Readonly<Record<string, number>>;
    readonly statements: StatementAccount | undefined;
  };
  /** Command-path throughput over raw-insert throughput (events per second). */
  readonly ratio: number;
}

const log = (message: string): void => {
  process.stderr.write(`[bench] ${message}\n`);
};

function options(): Options {
  const { values } = parseArgs({
    options: {
      concurrency: { type: 'string', default: '1,8,32' },
      seconds: { type: 'string', default: '10' },
      warmup: { type: 'string', default: '2' },
      'log-level': { type: 'string', default: 'info' },
      bulk: { type: 'string', default: '1' },
      soak: { type: 'string', default: '0' },
      profile: { type: 'string' },
      service: { type: 'string', default: 'registry' },
    },
  });
  const levels = values.concurrency.split(',').map((v) => Number(v.trim()));
  const seconds = Number(values.seconds);
  const warmup = Number(values.warmup);
  if (levels.length === 0 || levels.some((c) => !Number.isInteger(c) || c < 1 || c > 256)) {
    throw new Error(`--concurrency must list integers 1-256, got "${values.concurrency}"`);
  }
  if (!(seconds > 0) || !(warmup >= 0)) {
    throw new Error('--seconds must be positive and --warmup not negative');
  }
  const batch = Number(values.bulk);
  if (!Number.isInteger(batch) || batch < 1 || batch > 500) {
    throw new Error(`--bulk must be an integer from 1 to 500, got "${values.bulk}"`);
  }
  const service = values.service;
  if (service !== 'registry' && service !== 'consent') {
    throw new Error(`--service must be registry or consent, got "${service}"`);
  }
  if (service === 'consent' && batch > 1) throw new Error('--bulk is for the registry only');
  const soak = Number(values.soak);
  if (!(soak >= 0)) throw new Error(`--soak must be a number of seconds, got "${values.soak}"`);
  return {
    service,
    levels,
    seconds,
    warmup,
    logLevel: values['log-level'],
    batch,
    soak,
    profileDir: values.profile,
  };
}

/** The command of the service measured, one per call, each with its own Idempotency-Key. */
function commandOf(
  site: BenchSite,
  runId: string,
  batch: number,
): (index: number) => Promise<void> {
  const post = poster(site);
  if (site.service === 'consent') {
    // The person grants an organisation the use of their address, for a purpose of its own
    // each time (no grant supersedes another).
    const validUntil = new Date(Date.now() + 365 * 24 * 3600_000).toISOString();
    return (index) =>
      post('/consents', `${runId}-${index}`, {
        organisationId: 'ccss',
        categories: ['persons.address'],
        purpose: `bench-${runId}-${index}`,
        validUntil,
      });
  }
  if (batch > 1) {
    return (index) =>
      post('/persons/batch', `${runId}-b${index}`, {
        persons: Array.from({ length: batch }, (_, k) => registerPersonBody(index * batch + k)),
      });
  }
  return (index) => post('/persons', `${runId}-${index}`, registerPersonBody(index));
}

/**
 * POSTs a body with the site's token and an Idempotency-Key; throws unless 201. Node's fetch
 * (undici) keeps connections alive and reuses them across requests.
 */
function poster(site: BenchSite): (path: string, key: string, body: unknown) => Promise<void> {
  const authorization = `Bearer ${site.token}`;
  return async (path, key, body) => {
    const response = await fetch(`${site.serviceUrl}${path}`, {
      method: 'POST',
      headers: {
        authorization,
        'content-type': 'application/json',
        'idempotency-key': key,
      },
      body: JSON.stringify(body),
    });
    const text = await response.text();
    if (response.status !== 201) {
      throw new Error(`POST ${path} answered ${response.status}: ${text.slice(0, 300)}`);
    }
  };
}

async function eventCount(pool: Pool, schema: string): Promise<number> {
  const { rows } = await pool.query<{ n: string }>(`SELECT count(*) AS n FROM "${schema}".events`);
  return Number(rows[0]?.n ?? 0);
}

interface LogProgress {
  readonly head: bigint;
  readonly unpositioned: number;
  readonly relay: bigint | null;
  readonly feed: bigint | null;
}

async function logProgress(pool: Pool, site: BenchSite): Promise<LogProgress> {
  const schema = site.eventStore.schema;
  const { rows } = await pool.query<{
    head: string;
    unpositioned: string;
    relay: string | null;
    feed: string | null;
  }>(
    `SELECT (SELECT position FROM "${schema}".log_head) AS head,
            (SELECT count(*) FROM "${schema}".events WHERE global_position IS NULL)
              AS unpositioned,
            (SELECT position FROM "${schema}".relay_checkpoints WHERE name = $1) AS relay,
            (SELECT position FROM "${schema}".relay_checkpoints WHERE name = $2) AS feed`,
    [site.eventStore.topic, FEED_CHECKPOINT],
  );
  const row = rows[0];
  if (!row) throw new Error('no log progress');
  return {
    head: BigInt(row.head),
    unpositioned: Number(row.unpositioned),
    relay: row.relay === null ? null : BigInt(row.relay),
    feed: row.feed === null ? null : BigInt(row.feed),
  };
}

/**
 * Waits until every committed event is positioned and published by the outbox relay (and by
 * the change feed, if the registry runs one); the time it took from `since`.
 */
async function drain(pool: Pool, site: BenchSite, since: number): Promise<Drain> {
  let relayMs: number | undefined;
  for (;;) {
    const progress = await logProgress(pool, site);
    const now = performance.now();
    const positioned = progress.unpositioned === 0;
    if (relayMs === undefined && positioned && progress.relay === progress.head) {
      relayMs = now - since;
    }
    if (relayMs !== undefined) {
      if (progress.feed === null) return { relayMs, feedMs: null };
      if (positioned && progress.feed === progress.head) return { relayMs, feedMs: now - since };
    }
    if (now - since > DRAIN_TIMEOUT_MS) {
      throw new Error(
        `not drained after ${DRAIN_TIMEOUT_MS} ms: head ${progress.head}, ${progress.unpositioned} unpositioned, relay at ${String(progress.relay)}, feed at ${String(progress.feed)}`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

function reportFailures(side: string, run: LoadRun): void {
  if (run.summary.errors === 0) return;
  log(`${side}: ${run.summary.errors} failed operations, e.g.:`);
  for (const failure of run.failures) log(`  ${failure}`);
}

async function measureLevel(
  site: BenchSite,
  pool: Pool,
  concurrency: number,
  opts: Options,
  counter: Counter,
  runId: string,
  raw: () => Promise<RawInserts>,
  statements: StatementCounter | undefined,
): Promise<LevelResult> {
  const command = commandOf(site, runId, opts.batch);
  const parts = {
    [site.service]: site.pids.service,
    postgresql: site.pids.postgres,
    kafka: site.pids.kafka,
  };
  const cpu = () => sampleCpu(process.pid, parts);
  log(`c=${concurrency}: command path, ${opts.warmup} s warm-up + ${opts.seconds} s`);
  if (opts.warmup > 0) {
    reportFailures('warm-up', await closedLoop(concurrency, opts.warmup * 1000, command, counter));
  }
  await drain(pool, site, performance.now());
  const before = await eventCount(pool, site.eventStore.schema);
  await statements?.reset();
  const queriesBefore = await serviceQueries(site);
  const resident = sampleResident(site.pids.service);
  const commandCpu = cpu();
  const commandRun = await closedLoop(concurrency, opts.seconds * 1000, command, counter);
  const ended = performance.now();
  const commandCpuEnd = cpu();
  const queriesAfter = await serviceQueries(site);
  const residentMaxBytes = Math.max(...resident.stop());
  // Counted before the drain, whose progress polls are the benchmark's own statements.
  const commandStatements = await statements?.account(
    commandRun.summary.ok + commandRun.summary.errors,
  );
  const commandShare = cpuShare(commandCpu, commandCpuEnd);
  const drained = await drain(pool, site, ended);
  const events = (await eventCount(pool, site.eventStore.schema)) - before;
  reportFailures('command path', commandRun);

  const inserts = await raw();
  log(`c=${concurrency}: raw inserts, ${opts.warmup} s warm-up + ${opts.seconds} s`);
  if (opts.warmup > 0) {
    reportFailures(
      'raw warm-up',
      await closedLoop(concurrency, opts.warmup * 1000, inserts.batch(opts.batch), counter),
    );
  }
  await statements?.reset();
  const rawCpu = cpu();
  const rawRun = await closedLoop(
    concurrency,
    opts.seconds * 1000,
    inserts.batch(opts.batch),
    counter,
  );
  const rawCpuEnd = cpu();
  const rawStatements = await statements?.account(rawRun.summary.ok + rawRun.summary.errors);
  const rawShare = cpuShare(rawCpu, rawCpuEnd);
  reportFailures('raw inserts', rawRun);
  for (const [side, share] of [
    ['command path', commandShare],
    ['raw inserts', rawShare],
  ] as const) {
    if (share.othersPct > DISTURBANCE_PCT) {
      log(
        `c=${concurrency}: ${side}: processes outside the benchmark used ${round(share.othersPct, 0)} % of the CPUs: figures disturbed`,
      );
    }
  }

  const eventsPerSecond = events / commandRun.summary.seconds;
  return {
    concurrency,
    command: {
      ...commandRun.summary,
      eventsPerSecond,
      drain: drained,
      cpu: commandShare,
      cpuMs: cpuMsPerOperation(
        commandCpu,
        commandCpuEnd,
        commandRun.summary.ok + commandRun.summary.errors,
      ),
      statements: commandStatements,
      residentMaxBytes,
      roundTrips:
        queriesBefore === undefined || queriesAfter === undefined
          ? undefined
          : (queriesAfter - queriesBefore) / (commandRun.summary.ok + commandRun.summary.errors),
    },
    raw: {
      ...rawRun.summary,
      cpu: rawShare,
      cpuMs: cpuMsPerOperation(rawCpu, rawCpuEnd, rawRun.summary.ok + rawRun.summary.errors),
      statements: rawStatements,
    },
    ratio:
      rawRun.summary.perSecond > 0
        ? eventsPerSecond / (rawRun.summary.perSecond * opts.batch)
        : Number.NaN,
  };
}

/** `db_client_queries_total` of the service's metrics: its round trips to PostgreSQL so far. */
async function serviceQueries(site: BenchSite): Promise<number | undefined> {
  try {
    const text = await (await fetch(`${site.serviceUrl}/metrics`)).text();
    const match = /^db_client_queries_total (\d+)/m.exec(text);
    return match ? Number(match[1]) : undefined;
  } catch {
    return undefined;
  }
}

function statementFigures(account: StatementAccount | undefined): Record<string, unknown> {
  if (!account) return {};
  return {
    statementsPerOperation: round(account.statementsPerOperation, 2),
    transactionsPerOperation: round(account.transactionsPerOperation, 2),
    statements: Object.fromEntries(
      account.statements.map((s) => [
        s.label,
        { calls: round(s.perOperation, 3), ms: round(s.msPerOperation, 3) },
      ]),
    ),
  };
}

function statementLine(account: StatementAccount | undefined): string {
  if (!account) return 'not counted';
  return (
    `${round(account.statementsPerOperation, 2)} statements, ` +
    `${round(account.transactionsPerOperation, 2)} transactions: ` +
    account.statements
      .filter((s) => s.perOperation >= 0.01)
      .map((s) => `${s.label} ${round(s.perOperation, 2)}`)
      .join(', ')
  );
}

interface Soak {
  readonly seconds: number;
  readonly concurrency: number;
  readonly requests: number;
  readonly requestsPerSecond: number;
  readonly atRestMiB: number;
  readonly firstMinuteMiB: number;
  readonly lastMiB: number;
  readonly maxMiB: number;
  /** Last sample minus the sample after the first minute (the heap's warm-up). */
  readonly growthMiB: number;
  /** One sample every 10 s, MiB. */
  readonly samplesMiB: readonly number[];
}

/** Steady closed-loop load for `opts.soak` seconds, sampling the service's resident memory. */
async function soakRun(
  site: BenchSite,
  opts: Options,
  counter: Counter,
  runId: string,
  concurrency: number,
  atRestBytes: number,
): Promise<Soak> {
  log(`soak: ${opts.soak} s at c=${concurrency}, resident memory every 10 s`);
  const resident = sampleResident(site.pids.service, 10_000);
  const run = await closedLoop(
    concurrency,
    opts.soak * 1000,
    commandOf(site, `${runId}-soak`, opts.batch),
    counter,
  );
  const samples = resident.stop();
  reportFailures('soak', run);
  const afterFirstMinute = samples[Math.min(6, samples.length - 1)] ?? 0;
  const last = samples[samples.length - 1] ?? 0;
  return {
    seconds: opts.soak,
    concurrency,
    requests: run.summary.ok,
    requestsPerSecond: round(run.summary.perSecond, 1),
    atRestMiB: mib(atRestBytes),
    firstMinuteMiB: mib(afterFirstMinute),
    lastMiB: mib(last),
    maxMiB: mib(Math.max(...samples)),
    growthMiB: mib(last - afterFirstMinute),
    samplesMiB: samples.map(mib),
  };
}

function roundAll(values: Readonly<Record<string, number>>): Record<string, number> {
  return Object.fromEntries(Object.entries(values).map(([k, v]) => [k, round(v, 3)]));
}

function cpuLine(values: Readonly<Record<string, number>>): string {
  const total = Object.values(values).reduce((sum, v) => sum + v, 0);
  return `${round(total, 2)} ms (${Object.entries(values)
    .map(([k, v]) => `${k} ${round(v, 2)}`)
    .join(', ')})`;
}

function table(results: readonly LevelResult[], batch: number): string {
  const header = [
    'conc',
    'side',
    'ok',
    'err',
    'req/s',
    'events/s',
    'p50 ms',
    'p95 ms',
    'p99 ms',
    'max ms',
    '→Kafka ms',
    'cpu bench/other %',
    'ratio',
  ];
  const rows: string[][] = [];
  const f = (v: number, d = 1): string => (Number.isFinite(v) ? round(v, d).toFixed(d) : '-');
  for (const r of results) {
    const c = r.command;
    rows.push([
      String(r.concurrency),
      'command',
      String(c.ok),
      String(c.errors),
      f(c.perSecond),
      f(c.eventsPerSecond),
      f(c.p50, 2),
      f(c.p95, 2),
      f(c.p99, 2),
      f(c.max, 2),
      `${f(c.drain.relayMs, 0)}${c.drain.feedMs === null ? '' : ` (feed ${f(c.drain.feedMs, 0)})`}`,
      `${f(c.cpu.oursPct, 0)}/${f(c.cpu.othersPct, 0)}`,
      f(r.ratio, 2),
    ]);
    rows.push([
      String(r.concurrency),
      'raw',
      String(r.raw.ok),
      String(r.raw.errors),
      f(r.raw.perSecond),
      f(r.raw.perSecond * batch),
      f(r.raw.p50, 2),
      f(r.raw.p95, 2),
      f(r.raw.p99, 2),
      f(r.raw.max, 2),
      '',
      `${f(r.raw.cpu.oursPct, 0)}/${f(r.raw.cpu.othersPct, 0)}`,
      '',
    ]);
  }
  const widths = header.map((h, i) =>
    Math.max(h.length, ...rows.map((row) => row[i]?.length ?? 0)),
  );
  const line = (cells: readonly string[]): string =>
    cells
      .map((cell, i) => (i < 2 ? cell.padEnd(widths[i] ?? 0) : cell.padStart(widths[i] ?? 0)))
      .join('  ');
  return [line(header), ...rows.map(line)].join('\n');
}

async function main(): Promise<void> {
  const major = Number(process.versions.node.split('.')[0]);
  if (major < 24) throw new Error(`Node 24 or later is required, this is ${process.version}`);
  const opts = options();
  const started = Date.now();
  const site = await startBenchSite({
    service: opts.service,
    logLevel: opts.logLevel,
    log,
    profileDir: opts.profileDir,
  });
  const pool = new Pool({ connectionString: site.databaseUrl, max: Math.max(...opts.levels) + 2 });
  pool.on('error', () => undefined);
  let stopping = false;
  const shutdown = async (): Promise<void> => {
    if (stopping) return;
    stopping = true;
    await pool.end().catch(() => undefined);
    await site.stop();
  };
  process.once('SIGINT', () => {
    void shutdown().then(() => process.exit(130));
  });
  try {
    const runId = `bench-${started.toString(36)}`;
    const counter = new Counter();
    let rawInserts: RawInserts | undefined;
    // Prepared after the first command-path level, from rows the service wrote in this run.
    const raw = async (): Promise<RawInserts> => {
      rawInserts ??= await RawInserts.prepare(pool, site.eventStore.schema, SCRATCH_SCHEMA);
      return rawInserts;
    };
    const statements = await StatementCounter.create(pool);
    if (!statements) log('pg_stat_statements is not preloaded: statements are not counted');
    const residentAtRestBytes = residentBytes(site.pids.service);
    const results: LevelResult[] = [];
    for (const concurrency of opts.levels) {
      results.push(
        await measureLevel(site, pool, concurrency, opts, counter, runId, raw, statements),
      );
    }
    const soak =
      opts.soak > 0
        ? await soakRun(site, opts, counter, runId, opts.levels[0] ?? 8, residentAtRestBytes)
        : undefined;
    const shape = rawInserts?.shape();
    const feedRunning = results.some((r) => r.command.drain.feedMs !== null);
    const figures = {
      bench: 'command-path',
      at: new Date(started).toISOString(),
      cpus: cpus().length,
      loadavg1m: round(loadavg()[0] ?? 0),
      postgres: 'durable (fsync=on, synchronous_commit=on)',
      service: opts.service,
      logLevel: opts.logLevel,
      secondsPerSide: opts.seconds,
      warmupSeconds: opts.warmup,
      eventsPerRequest: opts.batch,
      rawRowMeanPayloadBytes: shape ? round(shape.meanPayloadBytes, 1) : null,
      changeFeedRunning: feedRunning,
      residentAtRestMiB: mib(residentAtRestBytes),
      soak: soak ?? null,
      levels: results.map((r) => ({
        concurrency: r.concurrency,
        command: {
          ok: r.command.ok,
          errors: r.command.errors,
          seconds: round(r.command.seconds, 3),
          requestsPerSecond: round(r.command.perSecond, 1),
          eventsPerSecond: round(r.command.eventsPerSecond, 1),
          p50Ms: round(r.command.p50, 2),
          p95Ms: round(r.command.p95, 2),
          p99Ms: round(r.command.p99, 2),
          maxMs: round(r.command.max, 2),
          drainToKafkaMs: round(r.command.drain.relayMs, 1),
          feedDrainMs: r.command.drain.feedMs === null ? null : round(r.command.drain.feedMs, 1),
          cpuOursPct: round(r.command.cpu.oursPct, 1),
          cpuOthersPct: round(r.command.cpu.othersPct, 1),
          cpuMsPerRequest: roundAll(r.command.cpuMs),
          residentMaxMiB: mib(r.command.residentMaxBytes),
          roundTripsPerRequest:
            r.command.roundTrips === undefined ? null : round(r.command.roundTrips, 2),
          ...statementFigures(r.command.statements),
        },
        raw: {
          ok: r.raw.ok,
          errors: r.raw.errors,
          seconds: round(r.raw.seconds, 3),
          insertsPerSecond: round(r.raw.perSecond, 1),
          eventsPerSecond: round(r.raw.perSecond * opts.batch, 1),
          p50Ms: round(r.raw.p50, 2),
          p95Ms: round(r.raw.p95, 2),
          p99Ms: round(r.raw.p99, 2),
          maxMs: round(r.raw.max, 2),
          cpuOursPct: round(r.raw.cpu.oursPct, 1),
          cpuOthersPct: round(r.raw.cpu.othersPct, 1),
          cpuMsPerInsert: roundAll(r.raw.cpuMs),
          ...statementFigures(r.raw.statements),
        },
        ratio: round(r.ratio, 3),
        disturbed:
          r.command.cpu.othersPct > DISTURBANCE_PCT || r.raw.cpu.othersPct > DISTURBANCE_PCT,
        meetsQuarterOfRaw: r.ratio >= QUARTER,
        meetsHalfOfRaw: r.ratio >= 0.5,
        p99AtMost25Ms: r.command.p99 <= P99_TARGET_MS,
      })),
      totalSeconds: round((Date.now() - started) / 1000, 1),
    };
    process.stdout.write(
      [
        '',
        opts.service === 'consent'
          ? `Command path (POST /consents → consent.events → outbox relay → Kafka) vs raw INSERTs of the same events`
          : opts.batch === 1
            ? `Command path (POST /persons → registry.events → outbox relay → Kafka) vs raw INSERTs of the same events`
            : `Bulk command path (POST /persons/batch, ${opts.batch} persons per request → registry.events → outbox relay → Kafka) vs raw multi-row INSERTs of ${opts.batch} of the same events per transaction`,
        `${figures.cpus} CPUs, PostgreSQL ${figures.postgres}, ${opts.service} LOG_LEVEL=${opts.logLevel}, ` +
          `${opts.seconds} s per side and level after ${opts.warmup} s warm-up; raw rows copy the ` +
          `${opts.service}'s (mean payload ${String(figures.rawRowMeanPayloadBytes)} B); ` +
          `→Kafka = from the level's last response until the relay's checkpoint reached the log head` +
          (feedRunning ? '; feed = the same for registry.changes.v1' : ' (no change feed)'),
        '',
        table(results, opts.batch),
        '',
        'CPU time per operation, by process:',
        ...results.flatMap((r) => [
          `c=${r.concurrency}: command ${cpuLine(r.command.cpuMs)}`,
          `c=${r.concurrency}: raw     ${cpuLine(r.raw.cpuMs)}`,
        ]),
        '',
        'Statements per operation (server side, pg_stat_statements), and the round trips the service made (its db_client_queries_total):',
        ...results.flatMap((r) => [
          `c=${r.concurrency}: command ${r.command.roundTrips === undefined ? '' : `${round(r.command.roundTrips, 2)} round trips; `}${statementLine(r.command.statements)}`,
          `c=${r.concurrency}: raw     ${statementLine(r.raw.statements)}`,
        ]),
        '',
        `${opts.service} resident memory: at rest ${mib(residentAtRestBytes)} MiB; under load ` +
          results
            .map((r) => `c=${r.concurrency} ${mib(r.command.residentMaxBytes)} MiB`)
            .join(', ') +
          (soak
            ? `; soak ${soak.seconds} s at c=${soak.concurrency}: ${soak.requests} requests, ` +
              `${soak.firstMinuteMiB} MiB after the first minute, ${soak.lastMiB} MiB at the end, ` +
              `highest ${soak.maxMiB} MiB (growth after the first minute ${soak.growthMiB} MiB)`
            : ''),
        '',
        ...results.map(
          (r) =>
            `c=${r.concurrency}: command/raw = ${round(r.ratio, 2)} (target ≥ ${QUARTER}, goal 0.5: ${r.ratio >= 0.5 ? 'goal met' : r.ratio >= QUARTER ? 'met' : 'NOT met'}); ` +
            `p99 ${round(r.command.p99, 1)} ms (target at c=8: ≤ ${P99_TARGET_MS} ms: ${r.command.p99 <= P99_TARGET_MS ? 'met' : 'NOT met'})` +
            (r.command.cpu.othersPct > DISTURBANCE_PCT || r.raw.cpu.othersPct > DISTURBANCE_PCT
              ? ` [disturbed: other processes used ${round(r.command.cpu.othersPct, 0)} % / ${round(r.raw.cpu.othersPct, 0)} % of the CPUs]`
              : ''),
        ),
        '',
        JSON.stringify(figures),
        '',
      ].join('\n'),
    );
  } finally {
    await shutdown();
  }
}

main().catch((error: unknown) => {
  log(error instanceof Error ? (error.stack ?? error.message) : String(error));
  process.exit(1);
});
