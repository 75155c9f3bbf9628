// `npm run drill -- --events N --scenario planned|unplanned`: the data embassy's failover
// drill, on two throw-away sites that it starts and stops itself.
//
//  1. Starts two sites on free loopback ports (separate Kafka clusters, separate durable
//     PostgreSQL servers), MirrorMaker 2 from the primary to the embassy, and the registry on
//     the primary; loads N events through the public API (POST /persons).
//  2. Starts the registry on the empty embassy (replica role): it rebuilds its store from the
//     mirrored log. The replay rate is measured here, beside the raw consume rate of the Kafka
//     client over the same mirrored topic in the same run.
//  3. Fails over.
//     planned:   fence the primary, let the embassy drain, compare digests, promote.
//     unplanned: under a steady write load, SIGKILL the primary's Kafka and registry; promote
//                the embassy with what it has; the loss (RPO) is counted against the primary's
//                database, which survived.
//     RTO runs from the failover decision to the embassy answering a read and a write.
//  4. Compares the digests of the log at the promoted position on both sites.
//
// Progress goes to standard error (one updating line on a terminal). The last line of standard
// output is one JSON object. The exit code is non-zero when the digests differ or a step failed.
import { mkdtempSync, rmSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';

import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Pool } from 'pg';

import { ensureLocalSigningKeys, mintToken } from '@gov/platform-auth';
import { PostgresEventStore, digestLog } from '@gov/platform-event-sourcing';
import { freePort, startSite } from '@gov/platform-infra';
import type { LocalSite, MirrorMakerNode } from '@gov/platform-infra';
import { ConsumerGroupFactory, MessagingModule } from '@gov/platform-messaging';

import { registerPersonBody } from '../bench/lib/persons';
import { DrillStepError, ServiceClient } from './lib/drill-client';
import {
  awaitReady,
  ensureDatabases,
  generateContracts,
  runMigrations,
  startMirror,
  startServiceProcess,
} from './lib/local-platform';
import type { ServiceProcess, SiteName } from './lib/local-platform';
import { requireNode24 } from './lib/node-version';
import { localServices } from './lib/services';

const ISSUER = 'backbone-drill';
const AUDIENCE = 'backbone';
const EVENTS_TOPIC = 'registry.events.v1';
const MIRRORED_TOPIC = `primary.${EVENTS_TOPIC}`;
/** How long the unplanned scenario writes before the primary is killed. */
const UNPLANNED_LOAD_MS = 3_000;
/** The embassy has drained what reached it when its head did not move for this long. */
const SETTLE_MS = 1_500;

interface Options {
  readonly events: number;
  readonly scenario: 'planned' | 'unplanned';
  readonly concurrency: number;
  readonly keep: boolean;
}

interface DrillReport {
  readonly scenario: string;
  readonly events: number;
  readonly rpo_events: number;
  readonly rpo_ms: number;
  readonly rto_ms: number;
  readonly replay_events_per_s: number;
  readonly digests: Record<string, { primary: string; embassy: string }>;
  readonly identical: boolean;
  readonly position: string;
  readonly raw_consume_events_per_s: number;
  readonly replay_ratio_to_raw_consume: number;
  readonly load_events_per_s: number;
  readonly discarded_on_promotion: number;
}

// ---------------------------------------------------------------------------------------------
// Progress

const tty = process.stderr.isTTY;
let progressLine = false;

function phase(message: string): void {
  if (progressLine) process.stderr.write('\n');
  progressLine = false;
  process.stderr.write(`[drill] ${message}\n`);
}

/** An updating progress line on a terminal; a line every few seconds otherwise. */
function progress(message: string): void {
  if (tty) {
    process.stderr.write(`\r[drill]   ${message}\u001b[K`);
    progressLine = true;
  } else {
    const now = Date.now();
    if (now - lastPlainProgress >= 2_000) {
      lastPlainProgress = now;
      process.stderr.write(`[drill]   ${message}\n`);
    }
  }
}
let lastPlainProgress = 0;

function rate(count: number, ms: number): number {
  return ms <= 0 ? 0 : Math.round((count / ms) * 1000);
}

// ---------------------------------------------------------------------------------------------

function options(): Options {
  const { values } = parseArgs({
    options: {
      events: { type: 'string', default: '1000' },
      scenario: { type: 'string', default: 'planned' },
      concurrency: { type: 'string', default: '16' },
      keep: { type: 'boolean', default: false },
    },
  });
  const events = Number(values.events);
  const concurrency = Number(values.concurrency);
  if (!Number.isInteger(events) || events < 1)
    throw new Error('--events must be a positive integer');
  if (values.scenario !== 'planned' && values.scenario !== 'unplanned') {
    throw new Error('--scenario must be planned or unplanned');
  }
  if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 256) {
    throw new Error('--concurrency must be an integer from 1 to 256');
  }
  return { events, scenario: values.scenario, concurrency, keep: values.keep };
}

async function sleep(ms: number): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, ms));
}

/** Polls `check` until it returns a value; fails with `what` after `timeoutMs`. */
async function until<T>(
  what: string,
  check: () => Promise<T | undefined>,
  timeoutMs: number,
  intervalMs = 100,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new DrillStepError(`timed out waiting for ${what}`);
    await sleep(intervalMs);
  }
}

/** A drill's throw-away platform: everything it started, to stop in reverse. */
class DrillPlatform {
  readonly sites = new Map<SiteName, LocalSite>();
  readonly services: ServiceProcess[] = [];
  mirror: MirrorMakerNode | undefined;

  constructor(readonly dir: string) {}

  async stop(): Promise<void> {
    await Promise.allSettled(this.services.map((s) => s.stop()));
    await this.mirror?.stop().catch(() => undefined);
    await Promise.allSettled([...this.sites.values()].map((s) => s.stop()));
  }
}

async function startSites(platform: DrillPlatform): Promise<void> {
  const ports = async () => ({
    kafka: await freePort(),
    kafkaController: await freePort(),
    postgres: await freePort(),
  });
  const [primary, embassy] = await Promise.all(
    (['primary', 'embassy'] as const).map(async (name) =>
      startSite({
        name,
        dir: join(platform.dir, name),
        ports: await ports(),
        ownerPid: process.pid,
        durable: true,
      }),
    ),
  );
  if (!primary || !embassy) throw new Error('sites did not start');
  platform.sites.set('primary', primary);
  platform.sites.set('embassy', embassy);
  phase(
    `sites up: primary Kafka ${primary.kafka.bootstrap} PostgreSQL :${primary.postgres.port}; embassy Kafka ${embassy.kafka.bootstrap} PostgreSQL :${embassy.postgres.port}`,
  );
}

async function startRegistry(
  platform: DrillPlatform,
  siteName: SiteName,
  env: Record<string, string>,
): Promise<ServiceProcess> {
  const site = platform.sites.get(siteName);
  const spec = localServices(siteName).find((s) => s.name === 'registry');
  if (!site || !spec) throw new Error('no registry service found in services/');
  const service = { ...spec, port: await freePort() };
  await ensureDatabases(site, [service]);
  runMigrations(site, siteName, [service], env, phase);
  const running = startServiceProcess(
    site,
    siteName,
    service,
    { ...env, LOG_LEVEL: 'warn' },
    join(platform.dir, `${siteName}-registry.log`),
  );
  platform.services.push(running);
  if (!(await awaitReady(running))) {
    throw new DrillStepError(
      `the ${siteName} registry did not become ready (log: ${join(platform.dir, `${siteName}-registry.log`)})`,
    );
  }
  return running;
}

/** Registers persons from `concurrency` workers until `done()` or `count` are registered. */
async function load(
  client: ServiceClient,
  token: string,
  runId: string,
  concurrency: number,
  count: number,
  first: number,
  done: () => boolean = () => false,
): Promise<{ registered: string[]; failures: number }> {
  const registered: string[] = [];
  let next = first;
  let failures = 0;
  const started = performance.now();
  const worker = async (): Promise<void> => {
    while (next < first + count && !done()) {
      const index = next;
      next += 1;
      try {
        registered.push(
          await client.registerPerson(token, `${runId}-${index}`, registerPersonBody(index)),
        );
      } catch (error) {
        if (done()) return;
        failures += 1;
        if (failures > 10) throw error;
      }
      progress(
        `loaded ${registered.length}/${count} events, ${rate(registered.length, performance.now() - started)}/s`,
      );
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return { registered, failures };
}

/** The raw consume rate of the Kafka client over the mirrored topic: no processing at all. */
async function rawConsumeRate(bootstrap: string, expected: number): Promise<number> {
  Logger.overrideLogger(['error']);
  const app = await NestFactory.createApplicationContext(
    MessagingModule.forRoot({
      clientId: 'drill-raw-consume',
      brokers: [bootstrap],
      logLevel: 'error',
    }),
  );
  try {
    let seen = 0;
    let firstAt = 0;
    let lastAt = 0;
    const group = app.get(ConsumerGroupFactory).create({
      groupId: `drill-raw-${Date.now()}`,
      topics: [MIRRORED_TOPIC],
      fromBeginning: true,
      batchHandler: (messages) => {
        if (seen === 0) firstAt = performance.now();
        seen += messages.length;
        lastAt = performance.now();
        return Promise.resolve();
      },
      handler: () => Promise.resolve(),
    });
    await group.start();
    await until(
      'the raw consumer to read the mirrored topic',
      () => Promise.resolve(seen >= expected ? true : undefined),
      300_000,
      50,
    );
    await group.stop();
    return rate(seen, lastAt - firstAt);
  } finally {
    await app.close();
  }
}

async function main(): Promise<number> {
  requireNode24();
  const opts = options();
  generateContracts();
  const dir = mkdtempSync(join(tmpdir(), 'backbone-drill-'));
  chmodSync(dir, 0o755);
  const platform = new DrillPlatform(dir);
  const stopAll = async (): Promise<void> => {
    phase('stopping everything the drill started');
    await platform.stop();
    if (!opts.keep) rmSync(dir, { recursive: true, force: true });
  };
  process.once('SIGINT', () => {
    void stopAll().then(() => process.exit(130));
  });
  try {
    return await drill(opts, platform);
  } finally {
    await stopAll();
  }
}

async function drill(opts: Options, platform: DrillPlatform): Promise<number> {
  phase(`scenario ${opts.scenario}, ${opts.events} events, working folder ${platform.dir}`);
  await startSites(platform);
  const primarySite = platform.sites.get('primary');
  const embassySite = platform.sites.get('embassy');
  if (!primarySite || !embassySite) throw new Error('sites missing');

  const keys = await ensureLocalSigningKeys(join(platform.dir, 'auth'));
  const authEnv = { AUTH_JWKS_FILE: keys.jwksFile, AUTH_ISSUER: ISSUER, AUTH_AUDIENCE: AUDIENCE };
  const mint = (role: 'operator' | 'registrar' | 'citizen', subject: string) =>
    mintToken(keys.privateKeyFile, {
      role,
      subject,
      ...(role === 'registrar' ? { registers: ['persons', 'businesses'] } : {}),
      issuer: ISSUER,
      audience: AUDIENCE,
      expiresIn: '2h',
    });
  const operator = await mint('operator', 'drill');
  const registrar = await mint('registrar', 'drill-clerk');

  phase('starting MirrorMaker 2 (primary -> embassy, exactly-once)');
  platform.mirror = await startMirror(
    { name: 'primary', site: primarySite },
    { name: 'embassy', site: embassySite },
    join(platform.dir, 'mirror-maker'),
    process.pid,
  );

  phase('starting the registry on the primary');
  const primaryRegistry = await startRegistry(platform, 'primary', authEnv);
  const primary = new ServiceClient(primaryRegistry.url, operator);

  phase(`loading ${opts.events} events through POST /persons (${opts.concurrency} concurrent)`);
  const runId = `drill-${Date.now()}`;
  const loadStarted = performance.now();
  const loaded = await load(primary, registrar, runId, opts.concurrency, opts.events, 0);
  const loadMs = performance.now() - loadStarted;
  if (loaded.registered.length !== opts.events) {
    throw new DrillStepError(`loaded ${loaded.registered.length} of ${opts.events} events`);
  }
  phase(
    `loaded ${opts.events} events in ${Math.round(loadMs)} ms (${rate(opts.events, loadMs)}/s)`,
  );

  phase('starting the registry on the empty embassy: rebuild by replay of the mirrored log');
  const embassyRegistry = await startRegistry(platform, 'embassy', authEnv);
  const embassy = new ServiceClient(embassyRegistry.url, operator);
  const target = BigInt(opts.events);
  let replayFirst: { at: number; head: bigint } | undefined;
  const replayed = await until(
    'the embassy to replay the log',
    async () => {
      const status = await embassy.status();
      const head = BigInt(status.head);
      const now = performance.now();
      if (head > 0n && replayFirst === undefined) replayFirst = { at: now, head };
      const sinceFirst = replayFirst ? now - replayFirst.at : 0;
      progress(
        `replayed ${head}/${target} events${replayFirst ? `, ${rate(Number(head - replayFirst.head), sinceFirst)}/s` : ''}`,
      );
      return head >= target ? { at: now, head } : undefined;
    },
    600_000,
    50,
  );
  const first = replayFirst ?? replayed;
  const replayRate = rate(Number(replayed.head - first.head), replayed.at - first.at);
  phase(`embassy replayed ${replayed.head} events (${replayRate}/s after the first batch)`);
  phase('measuring the raw consume rate of the Kafka client over the same mirrored topic');
  const rawRate = await rawConsumeRate(embassySite.kafka.bootstrap, opts.events);
  phase(`raw consume: ${rawRate} events/s`);

  const citizenOf = (nationalId: string) => mint('citizen', nationalId);
  const serving = async (site: ServiceClient): Promise<void> => {
    const someone = loaded.registered[0];
    if (!someone) throw new Error('nothing loaded');
    const read = await site.readPerson(await citizenOf(someone), someone);
    if (read !== 200) throw new DrillStepError(`the promoted embassy answered ${read} to a read`);
    await site.registerPerson(registrar, `${runId}-after-failover`, registerPersonBody(9_999_999));
  };

  let report: Omit<DrillReport, 'digests' | 'identical' | 'position'>;
  let position: bigint;
  let primaryDigest: string;
  if (opts.scenario === 'planned') {
    phase('planned failover: fence the primary');
    const decidedAt = performance.now();
    await primary.fence('failover drill (planned)');
    const head = await until(
      'the fenced primary to publish everything',
      async () => {
        const status = await primary.status();
        const published = status.relays[EVENTS_TOPIC];
        return status.unpositioned === 0 && published === status.head
          ? BigInt(status.head)
          : undefined;
      },
      60_000,
      20,
    );
    phase(`primary fenced at position ${head}; draining to the embassy`);
    await until(
      'the embassy to drain',
      async () => {
        const status = await embassy.status();
        progress(`embassy at ${status.head}/${head}`);
        return BigInt(status.head) >= head ? true : undefined;
      },
      120_000,
      20,
    );
    primaryDigest = await primary.digest(head);
    const before = await embassy.digest(head);
    if (before !== primaryDigest) {
      throw new DrillStepError(`digests differ before promotion: ${primaryDigest} vs ${before}`);
    }
    phase('digests equal; promoting the embassy');
    const promotion = await embassy.promote('failover drill (planned)');
    await serving(embassy);
    const rtoMs = performance.now() - decidedAt;
    phase(`embassy serves reads and writes; RTO ${Math.round(rtoMs)} ms`);
    position = BigInt(promotion.position);
    report = {
      scenario: opts.scenario,
      events: opts.events,
      rpo_events: Number(head - position),
      rpo_ms: 0,
      rto_ms: Math.round(rtoMs),
      replay_events_per_s: replayRate,
      raw_consume_events_per_s: rawRate,
      replay_ratio_to_raw_consume: rawRate > 0 ? Math.round((replayRate / rawRate) * 100) / 100 : 0,
      load_events_per_s: rate(opts.events, loadMs),
      discarded_on_promotion: promotion.discarded,
    };
  } else {
    phase(
      `unplanned failover: writing for ${UNPLANNED_LOAD_MS} ms, then SIGKILL of the primary's Kafka and registry`,
    );
    let killed = false;
    const underLoad = load(
      primary,
      registrar,
      runId,
      opts.concurrency,
      1_000_000,
      opts.events,
      () => killed,
    );
    await sleep(UNPLANNED_LOAD_MS);
    const decidedAt = performance.now();
    process.kill(primarySite.kafka.pid, 'SIGKILL');
    primaryRegistry.kill();
    killed = true;
    const acknowledged = (await underLoad.catch(() => ({ registered: [], failures: 0 })))
      .registered;
    phase(
      `primary killed (${acknowledged.length} writes acknowledged under load); embassy takes what it has`,
    );
    let last = -1n;
    let stableSince = performance.now();
    await until(
      'the embassy to apply what reached it',
      async () => {
        const head = BigInt((await embassy.status()).head);
        if (head !== last) {
          last = head;
          stableSince = performance.now();
        }
        return performance.now() - stableSince >= SETTLE_MS ? true : undefined;
      },
      60_000,
      50,
    );
    const promotion = await embassy.promote('failover drill (unplanned: primary site lost)');
    await serving(embassy);
    const rtoMs = performance.now() - decidedAt;
    position = BigInt(promotion.position);
    phase(
      `embassy promoted at position ${position}; serves reads and writes; RTO ${Math.round(rtoMs)} ms`,
    );

    // The primary's database survived the kill: count what the embassy does not have.
    const pool = new Pool({ connectionString: primarySite.postgres.url('registry'), max: 2 });
    try {
      const { rows } = await pool.query<{ n: string; last: Date | null }>(
        `SELECT count(*) AS n, max(recorded_at) AS last FROM registry.events`,
      );
      const kept = await pool.query<{ at: Date | null }>(
        `SELECT recorded_at AS at FROM registry.events WHERE global_position = $1`,
        [position.toString()],
      );
      const committed = Number(rows[0]?.n ?? 0);
      const lastAt = rows[0]?.last?.getTime() ?? 0;
      const keptAt = kept.rows[0]?.at?.getTime() ?? lastAt;
      const store = new PostgresEventStore({ pool, schema: 'registry', producer: 'registry' });
      primaryDigest = (await digestLog(store, position)).digest;
      report = {
        scenario: opts.scenario,
        events: opts.events,
        rpo_events: committed - Number(position),
        rpo_ms: Math.max(0, lastAt - keptAt),
        rto_ms: Math.round(rtoMs),
        replay_events_per_s: replayRate,
        raw_consume_events_per_s: rawRate,
        replay_ratio_to_raw_consume:
          rawRate > 0 ? Math.round((replayRate / rawRate) * 100) / 100 : 0,
        load_events_per_s: rate(opts.events, loadMs),
        discarded_on_promotion: promotion.discarded,
      };
    } finally {
      await pool.end();
    }
  }

  const embassyDigest = await embassy.digest(position);
  const identical = embassyDigest === primaryDigest;
  phase(
    `digest at position ${position}: primary ${primaryDigest}, embassy ${embassyDigest}: ${identical ? 'IDENTICAL' : 'DIFFERENT'}`,
  );
  phase(
    `RPO ${report.rpo_events} events / ${report.rpo_ms} ms, RTO ${report.rto_ms} ms, replay ${report.replay_events_per_s} events/s`,
  );
  // The keys the drill promises first, in this order; then the other figures.
  const full: DrillReport = {
    scenario: report.scenario,
    events: report.events,
    rpo_events: report.rpo_events,
    rpo_ms: report.rpo_ms,
    rto_ms: report.rto_ms,
    replay_events_per_s: report.replay_events_per_s,
    digests: { registry: { primary: primaryDigest, embassy: embassyDigest } },
    identical,
    position: position.toString(),
    raw_consume_events_per_s: report.raw_consume_events_per_s,
    replay_ratio_to_raw_consume: report.replay_ratio_to_raw_consume,
    load_events_per_s: report.load_events_per_s,
    discarded_on_promotion: report.discarded_on_promotion,
  };
  process.stdout.write(`${JSON.stringify(full)}\n`);
  return identical ? 0 : 1;
}

main().then(
  (code) => {
    process.exit(code);
  },
  (error: unknown) => {
    phase(`FAILED: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  },
);
