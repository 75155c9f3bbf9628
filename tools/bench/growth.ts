// `npm run bench:growth` (nx run tools:bench-growth): the BRIEF's growth targets, measured.
//
//   Append latency stays flat as the store grows from empty to ten million events (issue 13:
//   append p50/p99 at 10M at most 1.5 times the empty store's); failover (RTO) of a site
//   holding a million events in well under a minute.
//
// Starts a throw-away site (Kafka, durable PostgreSQL). For each size, a registry database made
// by the registry's own migrations, its event store preloaded by COPY with that many events of a
// register that lived long (PersonRegistered and later PersonAddressChanged events, 13-digit
// national ids spread over 38,716 birth dates, up to 51 versions per stream, hash chains,
// positioned, log head moved), then VACUUM ANALYZE (a real store is vacuumed by autovacuum; a
// fresh load is not), and one CHECKPOINT once every store is loaded. Then:
//   1. appends through PostgresEventStore.append at the concurrency (see AppendWorkload: half
//      new persons at random birth dates, half address changes of random existing persons at
//      their version), while a loop runs the sequencer as the outbox relay does; after a
//      warm-up per store, in rounds, the stores taking turns, so that whatever else the machine
//      runs weighs on every size alike;
//   2. per store, the registry's promotion: the registry started on that database as the
//      embassy's replica (SITE_ROLE=embassy, replaying an empty mirrored topic), then
//      POST /replication/promote timed; beside it, the promotion's log reads timed alone in a
//      rolled-back transaction (the cut to the gapless head, the allocator reseed's probe per
//      birth date, its read of the business numbers) and the stop of a replica consumer.
// Prints per size the load, the sizes on disk, the append figures and their ratio to the first
// size's (the empty store), the promotion, and one JSON line at the end. Flags:
//   --sizes 0,1000000,10000000   events in each store before measuring (0 first: the reference)
//   --appends 5000               measured appends per store
//   --rounds 5                   rounds the measured appends are split into
//   --warmup 500                 appends per store before measuring (not counted)
//   --concurrency 8              appending workers
//   --log-level warn             the registry's LOG_LEVEL
import 'reflect-metadata';

import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';

import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Client, Pool } from 'pg';

import { ensureLocalSigningKeys, mintToken } from '@gov/platform-auth';
import {
  PostgresEventStore,
  ReplicaConsumer,
  computeContentHash,
} from '@gov/platform-event-sourcing';
import { freePort, kafkaClientEnv, startSite } from '@gov/platform-infra';
import type { LocalSite } from '@gov/platform-infra';
import { ConsumerGroupFactory, KafkaAdmin, MessagingModule } from '@gov/platform-messaging';

import { serviceDeclaration } from '../scripts/lib/services';

import { AppendWorkload } from './lib/append-workload';
import type { AppendBatch } from './lib/append-workload';
import { copyLoad } from './lib/copy-load';
import { benchLog, closedLoopOptions } from './lib/options';
import { createDatabase, migrateService } from './lib/bench-site';
import { startRegistry } from './lib/registry-process';
import { round, summarise } from './lib/stats';
import type { RunSummary } from './lib/stats';
import { LOADED_ACTOR, PRODUCER, SyntheticRegister } from './lib/synthetic-register';

const log = benchLog('growth');

/** The registry's event store schema and own schema (`@gov/registry-application`). */
const REGISTRY_SCHEMA = 'registry';
const APPLICATION_SCHEMA = 'registry_app';
const EVENTS_TOPIC = 'registry.events.v1';
/** What the embassy's registry replays: the primary's topic as MirrorMaker 2 names it. */
const REPLICA_TOPIC = `primary.${EVENTS_TOPIC}`;
/**
 * The registry's readers of its own log: its relays (the internal topic, the change feed, the
 * correction notices) and its projections. A site that lived long has them at the head; left at
 * 0 they would republish (or replay) the whole preloaded log while the promotion is measured.
 */
const RELAY_CHECKPOINTS = [EVENTS_TOPIC, 'registry.changes.v1', 'registry.correction-notices.v1'];
const PROJECTION_CHECKPOINTS = ['corrections', 'business-managers'];
const ISSUER = 'backbone-bench';
const AUDIENCE = 'backbone';
/**
 * Set on the throw-away server before loading: with the default 1 GB a bulk load checkpoints
 * every few seconds.
 */
const MAX_WAL_SIZE = '8GB';
/**
 * How long a replica runs before it is promoted or stopped: past its group join, in its fetch
 * loop, as on an embassy that has been replaying for a while.
 */
const REPLICA_SETTLE_MS = 3_000;

interface Options {
  readonly sizes: readonly number[];
  readonly appends: number;
  readonly warmup: number;
  readonly concurrency: number;
  /** Rounds the appends of each store are split into, the stores taking turns. */
  readonly rounds: number;
  readonly logLevel: string;
}

interface AppendFigures {
  readonly summary: RunSummary;
  readonly newStreams: number;
  readonly existingStreams: number;
  /** From the last append's completion until every event was positioned. */
  readonly sequencerDrainMs: number;
  readonly failures: readonly string[];
}

interface PromotionFigures {
  /** From the registry's start until it answered ready and its replica was replaying. */
  readonly replicaReadySeconds: number;
  /** POST /replication/promote, request to response. */
  readonly promoteMs: number;
  readonly position: string;
  /** The promotion's log reads alone (rolled back): cut, probes per birth date, businesses. */
  readonly cutMs: number;
  readonly birthDateProbesMs: number;
  readonly birthDates: number;
  readonly businessNumbersMs: number;
  /** Stopping a settled replica consumer of the same (empty) topic, as the promotion does first. */
  readonly replicaStopMs: number;
  /** Birth dates whose sequence the promotion reseeded (rows of `person_sequences`). */
  readonly reseededDates: number;
}

interface SizeFigures {
  readonly events: number;
  readonly persons: number;
  readonly load: {
    readonly seconds: number;
    readonly eventsPerSecond: number;
    /** CPU this process spent generating and sending the rows, in cores (the server's is apart). */
    readonly generatorCores: number;
  };
  readonly vacuumAnalyzeSeconds: number;
  readonly bytes: { readonly table: number; readonly indexes: number; readonly total: number };
  readonly appends: AppendFigures;
  readonly promotion: PromotionFigures;
}

/** What the size runs share. */
interface Context {
  readonly site: LocalSite;
  readonly dir: string;
  readonly options: Options;
  readonly env: NodeJS.ProcessEnv;
  readonly operatorToken: string;
  readonly groups: ConsumerGroupFactory;
}

function readOptions(): Options {
  const options = closedLoopOptions('8', {
    sizes: { type: 'string', default: '0,1000000,10000000' },
    appends: { type: 'string', default: '5000' },
    rounds: { type: 'string', default: '5' },
    // A count of appends here, not seconds.
    warmup: { type: 'string', default: '500' },
  });
  const sizes = options.flag('sizes').split(',').map(Number);
  if (sizes.some((size) => !Number.isSafeInteger(size) || size < 0)) {
    throw new Error(`--sizes must be non-negative integers, got ${options.flag('sizes')}`);
  }
  return {
    sizes,
    appends: Number(options.flag('appends')),
    warmup: options.warmup,
    concurrency: options.levels[0] ?? 8,
    rounds: Math.max(1, Number(options.flag('rounds'))),
    logLevel: options.logLevel,
  };
}

async function main(): Promise<void> {
  const options = readOptions();
  const dir = mkdtempSync(join(tmpdir(), 'backbone-growth-'));
  // PostgreSQL may run as another user and must traverse the folder.
  chmodSync(dir, 0o755);
  log(`starting Kafka and durable PostgreSQL in ${dir}`);
  let site: LocalSite;
  try {
    site = await startSite({
      name: 'growth',
      dir,
      ports: {
        kafka: await freePort(),
        kafkaController: await freePort(),
        postgres: await freePort(),
      },
      ownerPid: process.pid,
      durable: true,
    });
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  Logger.overrideLogger(['error']);
  const app = await NestFactory.createApplicationContext(
    MessagingModule.forRoot({
      clientId: 'bench-growth',
      brokers: [site.kafka.bootstrap],
      sasl: site.kafka.sasl(),
      logLevel: 'error',
    }),
  );
  try {
    await adminQuery(site, `ALTER SYSTEM SET max_wal_size = '${MAX_WAL_SIZE}'`);
    await adminQuery(site, 'SELECT pg_reload_conf()');
    // The mirrored topic exists (empty): the replica's consumer runs, and stopping it is part
    // of the promotion, as on a real embassy.
    await app.get(KafkaAdmin).ensureTopics([{ topic: REPLICA_TOPIC, numPartitions: 6 }]);
    const keys = await ensureLocalSigningKeys(join(dir, 'auth'));
    const operatorToken = await mintToken(keys.privateKeyFile, {
      role: 'operator',
      subject: 'bench-operator',
      issuer: ISSUER,
      audience: AUDIENCE,
      expiresIn: '8h',
    });
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      // A benchmark's service runs as the super user: it may use the benchmark's own topics.
      ...kafkaClientEnv(site.kafka),
      AUTH_JWKS_FILE: keys.jwksFile,
      DATA_KEK_FILE: keys.keyEncryptionKeyFile,
      AUTH_ISSUER: ISSUER,
      AUTH_AUDIENCE: AUDIENCE,
      LOG_LEVEL: options.logLevel,
      // A load generator with one token: a per-principal rate limit would throttle the
      // measurement itself.
      RATE_LIMIT_PER_MINUTE: '0',
    };
    const groups = app.get(ConsumerGroupFactory);
    const context: Context = { site, dir, options, env, operatorToken, groups };
    const stores: LoadedStore[] = [];
    try {
      for (const size of options.sizes) stores.push(await loadStore(context, size));
      // What the loads left dirty is written now, not during the appends.
      await adminQuery(site, 'CHECKPOINT');
      for (const loaded of stores) {
        log(`${loaded.size} events: ${options.warmup} appends to warm up`);
        await loaded.workload.run(options.warmup, options.concurrency);
      }
      // Round-robin over the stores, so that what else runs on the machine weighs on every
      // size alike.
      const perRound = Math.ceil(options.appends / options.rounds);
      for (let turn = 1; turn <= options.rounds; turn += 1) {
        log(`appends, round ${turn} of ${options.rounds}: ${perRound} per store`);
        for (const loaded of stores) {
          loaded.batches.push(await loaded.workload.run(perRound, options.concurrency));
        }
      }
      const results: SizeFigures[] = [];
      for (const loaded of [...stores]) {
        const promotion = await measurePromotion(context, loaded);
        const figures: SizeFigures = {
          events: loaded.size,
          persons: loaded.register.persons,
          load: loaded.load,
          vacuumAnalyzeSeconds: loaded.vacuumAnalyzeSeconds,
          bytes: loaded.bytes,
          appends: appendFigures(loaded.batches),
          promotion,
        };
        results.push(figures);
        report(figures, results[0], options.concurrency);
        // The disk it takes is needed no more.
        stores.splice(stores.indexOf(loaded), 1);
        await dropStore(context, loaded);
      }
      summary(results, options.concurrency);
    } finally {
      for (const loaded of stores) await dropStore(context, loaded).catch(() => undefined);
    }
  } finally {
    await app.close();
    await site.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** A loaded store, kept open until its promotion. */
interface LoadedStore {
  readonly size: number;
  readonly database: string;
  readonly env: NodeJS.ProcessEnv;
  readonly pool: Pool;
  readonly store: PostgresEventStore;
  readonly register: SyntheticRegister;
  readonly workload: AppendWorkload;
  readonly load: SizeFigures['load'];
  readonly vacuumAnalyzeSeconds: number;
  readonly bytes: SizeFigures['bytes'];
  readonly batches: AppendBatch[];
}

/** A registry database made by the registry's migrations, its store loaded by COPY, vacuumed. */
async function loadStore(context: Context, size: number): Promise<LoadedStore> {
  const { site, options } = context;
  const database = `growth_${size}`;
  await createDatabase(site.postgres.url(), database);
  const url = site.postgres.url(database);
  const env = { ...context.env, DATABASE_URL: url };
  const pool = new Pool({ connectionString: url, max: options.concurrency + 2 });
  // Sessions still open when the database is dropped are terminated by the server.
  pool.on('error', () => undefined);
  try {
    migrateService(serviceDeclaration('registry'), env, log);
    const register = new SyntheticRegister(size);
    log(
      `${size} events: loading ${register.persons} persons (${register.perDate} per birth date) by COPY`,
    );
    const cpuBefore = process.cpuUsage();
    const loaded = await copyLoad(
      pool,
      REGISTRY_SCHEMA,
      register.rows(),
      { producer: PRODUCER, actor: LOADED_ACTOR },
      (rows) => {
        log(`  ${rows} events loaded`);
      },
    );
    const cpu = process.cpuUsage(cpuBefore);
    log(`  loaded in ${round(loaded.seconds, 1)} s; VACUUM ANALYZE`);
    const vacuumStarted = performance.now();
    await pool.query(`VACUUM ANALYZE "${REGISTRY_SCHEMA}".events`);
    const vacuumAnalyzeSeconds = (performance.now() - vacuumStarted) / 1000;
    const store = new PostgresEventStore({ pool, schema: REGISTRY_SCHEMA, producer: PRODUCER });
    if (register.persons > 0) await checkLoadedStream(store, register);
    return {
      size,
      database,
      env,
      pool,
      store,
      register,
      workload: new AppendWorkload(store, register),
      load: {
        seconds: round(loaded.seconds, 1),
        eventsPerSecond: loaded.seconds > 0 ? Math.round(loaded.rows / loaded.seconds) : 0,
        generatorCores: loaded.rows > 0 ? round((cpu.user + cpu.system) / 1e6 / loaded.seconds) : 0,
      },
      vacuumAnalyzeSeconds: round(vacuumAnalyzeSeconds, 1),
      bytes: await tableBytes(pool),
      batches: [],
    };
  } catch (error) {
    await dropStore(context, { database, pool });
    throw error;
  }
}

/**
 * Reads back the longest loaded stream through the store and checks it as a replica would: every
 * event positioned, its content hash over the stored payload, each linked to its predecessor.
 * A COPY encoding mistake would show here, not as odd latencies.
 */
async function checkLoadedStream(
  store: PostgresEventStore,
  register: SyntheticRegister,
): Promise<void> {
  const streamId = register.streamId(0);
  const events = await store.readStream(streamId);
  let previous: Uint8Array | null = null;
  for (const event of events) {
    const hash = computeContentHash(streamId, event.streamVersion, event.eventType, event.payload);
    const linked =
      previous === null
        ? event.previousHash === null
        : event.previousHash !== null && Buffer.from(event.previousHash).equals(previous);
    if (!Buffer.from(event.contentHash).equals(hash) || !linked || event.globalPosition === null) {
      throw new Error(`loaded stream ${streamId} is broken at version ${event.streamVersion}`);
    }
    previous = event.contentHash;
  }
  if (events.length !== register.versionOf(0)) {
    throw new Error(`loaded stream ${streamId} has ${events.length} events`);
  }
}

async function dropStore(
  context: Context,
  loaded: Pick<LoadedStore, 'database' | 'pool'>,
): Promise<void> {
  await loaded.pool.end().catch(() => undefined);
  await adminQuery(context.site, `DROP DATABASE IF EXISTS "${loaded.database}" WITH (FORCE)`);
}

/** Every round's batches of one store as one run: latencies pooled, seconds summed. */
function appendFigures(batches: readonly AppendBatch[]): AppendFigures {
  const sum = (f: (batch: AppendBatch) => number) => batches.reduce((n, b) => n + f(b), 0);
  return {
    summary: summarise(
      batches.flatMap((batch) => batch.latencies),
      sum((batch) => batch.errors),
      sum((batch) => batch.seconds),
    ),
    newStreams: sum((batch) => batch.newStreams),
    existingStreams: sum((batch) => batch.existingStreams),
    sequencerDrainMs: round(Math.max(0, ...batches.map((batch) => batch.sequencerDrainMs)), 1),
    failures: batches.flatMap((batch) => batch.failures).slice(0, 5),
  };
}

/**
 * The registry started on the loaded database as the embassy's replica, then promoted over
 * HTTP; the promotion's log reads timed alone beforehand.
 */
async function measurePromotion(
  context: Context,
  { pool, store, env, size }: LoadedStore,
): Promise<PromotionFigures> {
  const head = (await store.headPosition()).toString();
  for (const name of RELAY_CHECKPOINTS) {
    await pool.query(
      `INSERT INTO "${REGISTRY_SCHEMA}".relay_checkpoints (name, position) VALUES ($1, $2)
       ON CONFLICT (name) DO UPDATE SET position = EXCLUDED.position`,
      [name, head],
    );
  }
  for (const name of PROJECTION_CHECKPOINTS) {
    await pool.query(
      `INSERT INTO "${REGISTRY_SCHEMA}".projection_checkpoints (name, position) VALUES ($1, $2)
       ON CONFLICT (name) DO UPDATE SET position = EXCLUDED.position`,
      [name, head],
    );
  }
  const reads = await promotionReads(pool, store);
  const replicaStopMs = await timeReplicaStop(context.groups, store);
  log(`starting the registry as the embassy's replica`);
  const started = performance.now();
  const registry = await startRegistry(
    { ...env, SITE_ROLE: 'embassy' },
    join(context.dir, `registry-${size}.log`),
  );
  try {
    const headers = { authorization: `Bearer ${context.operatorToken}` };
    await waitFor(async () => {
      const response = await fetch(`${registry.url}/replication/status`, { headers });
      const status = (await response.json()) as { replica?: { running?: boolean } };
      return status.replica?.running === true;
    }, 120_000);
    const replicaReadySeconds = (performance.now() - started) / 1000;
    await warnAboutLaggingReaders(pool, head);
    await sleep(REPLICA_SETTLE_MS);
    log('promoting');
    const t0 = performance.now();
    const response = await fetch(`${registry.url}/replication/promote`, {
      method: 'POST',
      headers: { ...headers, 'content-type': 'application/json' },
      body: JSON.stringify({ reason: 'growth benchmark' }),
    });
    const promoteMs = performance.now() - t0;
    const body = (await response.json()) as { position?: string };
    if (response.status !== 200) {
      throw new Error(`promotion answered ${response.status}: ${JSON.stringify(body)}`);
    }
    const { rows } = await pool.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM "${APPLICATION_SCHEMA}".person_sequences`,
    );
    return {
      replicaReadySeconds: round(replicaReadySeconds, 1),
      promoteMs: round(promoteMs, 1),
      position: body.position ?? '?',
      ...reads,
      replicaStopMs: round(replicaStopMs, 1),
      reseededDates: rows[0]?.n ?? 0,
    };
  } finally {
    await registry.stop();
  }
}

/**
 * What the promotion reads of the log, each timed, in a transaction rolled back: the cut to
 * the gapless head (`cutToGaplessHead`) and the allocator reseed's reads (the last stream id
 * per birth date, the highest business number). The reseed itself is the registry's (a library
 * the tools may not import); its reads are the store's.
 */
async function promotionReads(
  pool: Pool,
  store: PostgresEventStore,
): Promise<
  Pick<PromotionFigures, 'cutMs' | 'birthDateProbesMs' | 'birthDates' | 'businessNumbersMs'>
> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    const t0 = performance.now();
    await store.cutToGaplessHead(client);
    const t1 = performance.now();
    const lastIds = await store.lastStreamIdPerPrefix({ from: '0', to: ':' }, 8, client);
    const t2 = performance.now();
    await store.highestStreamNumber('B', client);
    const t3 = performance.now();
    return {
      cutMs: round(t1 - t0, 1),
      birthDateProbesMs: round(t2 - t1, 1),
      birthDates: lastIds.length,
      businessNumbersMs: round(t3 - t2, 1),
    };
  } finally {
    await client.query('ROLLBACK').catch(() => undefined);
    client.release();
  }
}

/**
 * How long stopping a replica consumer takes (the promotion's first step): one of the library's
 * own, on the same empty mirrored topic in a group of its own, stopped once settled.
 */
async function timeReplicaStop(
  groups: ConsumerGroupFactory,
  store: PostgresEventStore,
): Promise<number> {
  const consumer = new ReplicaConsumer({
    store,
    groups,
    topics: [REPLICA_TOPIC],
    groupId: 'bench-growth-replica',
  });
  await consumer.start();
  await sleep(REPLICA_SETTLE_MS);
  const started = performance.now();
  await consumer.stop();
  return performance.now() - started;
}

/** A reader of the log left behind would work through the preloaded log during the promotion. */
async function warnAboutLaggingReaders(pool: Pool, head: string): Promise<void> {
  const { rows } = await pool.query<{ name: string; position: string }>(
    `SELECT name, position FROM "${REGISTRY_SCHEMA}".relay_checkpoints
     UNION ALL SELECT name, position FROM "${REGISTRY_SCHEMA}".projection_checkpoints`,
  );
  for (const row of rows) {
    if (BigInt(row.position) < BigInt(head)) {
      log(`WARNING: ${row.name} is at ${row.position}, behind the head ${head}`);
    }
  }
}

async function tableBytes(pool: Pool): Promise<SizeFigures['bytes']> {
  const { rows } = await pool.query<{ table: string; indexes: string; total: string }>(
    `SELECT pg_table_size($1) AS table, pg_indexes_size($1) AS indexes,
            pg_total_relation_size($1) AS total`,
    [`"${REGISTRY_SCHEMA}".events`],
  );
  const row = rows[0];
  return {
    table: Number(row?.table ?? 0),
    indexes: Number(row?.indexes ?? 0),
    total: Number(row?.total ?? 0),
  };
}

function report(figures: SizeFigures, empty: SizeFigures | undefined, concurrency: number): void {
  const a = figures.appends.summary;
  const ratio = ratios(figures, empty);
  const p = figures.promotion;
  process.stdout.write(
    [
      `\n${figures.events.toLocaleString('en')} events (${figures.persons.toLocaleString('en')} persons)`,
      `  load by COPY   ${figures.load.seconds} s, ${figures.load.eventsPerSecond.toLocaleString('en')} events/s (generating them took ${figures.load.generatorCores} of a core here); VACUUM ANALYZE ${figures.vacuumAnalyzeSeconds} s (autovacuum's job on a real store)`,
      `  on disk        table ${mb(figures.bytes.table)} MB, indexes ${mb(figures.bytes.indexes)} MB, total ${mb(figures.bytes.total)} MB`,
      `  appends        p50 ${round(a.p50)} ms, p99 ${round(a.p99)} ms, ${Math.round(a.perSecond)}/s at concurrency ${concurrency} (${figures.appends.newStreams} new persons, ${figures.appends.existingStreams} to existing, ${a.errors} errors); sequencer drained ${figures.appends.sequencerDrainMs} ms after the last`,
      `  vs empty       p50 x${ratio.p50}, p99 x${ratio.p99}`,
      `  promotion      POST /replication/promote ${p.promoteMs} ms (replica ready in ${p.replicaReadySeconds} s); its log reads alone: cut ${p.cutMs} ms, ${p.birthDates} birth-date probes ${p.birthDateProbesMs} ms, business numbers ${p.businessNumbersMs} ms; stopping a replica consumer ${p.replicaStopMs} ms; the rest (the reseed's upsert of ${p.reseededDates} birth dates' sequences, the role, the commit, HTTP) ${otherMs(p)} ms`,
      ...figures.appends.failures.map((failure) => `  failure: ${failure}`),
      '',
    ].join('\n'),
  );
}

/** The promotion's time not in its log reads nor in the replica's stop. */
function otherMs(p: PromotionFigures): number {
  return round(
    p.promoteMs - p.cutMs - p.birthDateProbesMs - p.businessNumbersMs - p.replicaStopMs,
    1,
  );
}

function ratios(figures: SizeFigures, empty: SizeFigures | undefined) {
  const base = empty?.appends.summary;
  return {
    p50: base ? round(figures.appends.summary.p50 / base.p50) : Number.NaN,
    p99: base ? round(figures.appends.summary.p99 / base.p99) : Number.NaN,
  };
}

function summary(results: readonly SizeFigures[], concurrency: number): void {
  const empty = results[0];
  const largest = results.at(-1);
  const flat =
    largest && empty && empty.events === 0
      ? ratios(largest, empty).p50 <= 1.5 && ratios(largest, empty).p99 <= 1.5
      : null;
  const line = {
    bench: 'growth',
    concurrency,
    sizes: results.map((figures) => ({
      events: figures.events,
      loadSeconds: figures.load.seconds,
      loadEventsPerSecond: figures.load.eventsPerSecond,
      loadGeneratorCores: figures.load.generatorCores,
      vacuumAnalyzeSeconds: figures.vacuumAnalyzeSeconds,
      tableBytes: figures.bytes.table,
      indexBytes: figures.bytes.indexes,
      appendP50Ms: round(figures.appends.summary.p50),
      appendP99Ms: round(figures.appends.summary.p99),
      appendsPerSecond: Math.round(figures.appends.summary.perSecond),
      appendErrors: figures.appends.summary.errors,
      p50Ratio: ratios(figures, empty).p50,
      p99Ratio: ratios(figures, empty).p99,
      sequencerDrainMs: figures.appends.sequencerDrainMs,
      promoteMs: figures.promotion.promoteMs,
      replicaReadySeconds: figures.promotion.replicaReadySeconds,
      promotionReadsMs: {
        cut: figures.promotion.cutMs,
        birthDateProbes: figures.promotion.birthDateProbesMs,
        businessNumbers: figures.promotion.businessNumbersMs,
      },
      replicaStopMs: figures.promotion.replicaStopMs,
      promotionOtherMs: otherMs(figures.promotion),
      reseededDates: figures.promotion.reseededDates,
      promotedAtPosition: figures.promotion.position,
      birthDates: figures.promotion.birthDates,
    })),
    flatWithin1_5: flat,
  };
  process.stdout.write(`${JSON.stringify(line)}\n`);
}

async function adminQuery(site: LocalSite, sql: string): Promise<void> {
  const client = new Client({ connectionString: site.postgres.url() });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

async function waitFor(check: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      if (await check()) return;
    } catch {
      // not answering yet
    }
    if (Date.now() > deadline) throw new Error('timed out');
    await sleep(100);
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

const mb = (bytes: number): number => Math.round(bytes / 1_048_576);

main().catch((error: unknown) => {
  log(error instanceof Error ? (error.stack ?? error.message) : String(error));
  process.exit(1);
});
