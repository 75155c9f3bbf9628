// `npm run drill -- --events N --scenario planned|unplanned`: the data embassy's failover
// drill, on two throw-away sites that it starts and stops itself.
//
//  1. Starts two sites on free loopback ports (separate Kafka clusters, separate durable
//     PostgreSQL servers), MirrorMaker 2 from the primary to the embassy, and the registry on
//     the primary; loads N events through the public API (POST /persons).
//  2. Waits until MirrorMaker 2 has mirrored the whole log, then starts the registry on the empty
//     embassy (replica role): it rebuilds its store from the mirrored log. The replay rate is measured here, beside the raw consume rate of the Kafka
//     client over the same mirrored topic in the same run.
//  3. Fails over.
//     planned:   fence the primary, let the embassy drain, compare digests, promote.
//     unplanned: under a steady write load, SIGKILL the primary's Kafka and registry; promote
//                the embassy with what it has; the loss (RPO) is counted against the primary's
//                database, which survived.
//     RTO runs from the failover decision to the embassy answering a read and a write.
//  4. Compares the digests of the log at the promoted position on both sites, and of each
//     projection (the corrections read model) at a common checkpoint: before the promotion in
//     the planned scenario, after the replay in the unplanned one (the primary is gone after).
//
// Progress goes to standard error (one updating line on a terminal). The last line of standard
// output is one JSON object. The exit code is non-zero when the digests differ or a step failed.
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';

import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Pool } from 'pg';

import { PostgresEventStore, digestLog } from '@gov/platform-event-sourcing';
import { ConsumerGroupFactory, KafkaAdmin, MessagingModule } from '@gov/platform-messaging';

import { registerPersonBody } from '../bench/lib/persons';
import { rawConsumeRate } from '../bench/lib/raw-consume';
import { DrillStepError } from './lib/drill-client';
import type { ServiceClient } from './lib/drill-client';
import { requireNode24 } from './lib/node-version';
import { TwoSites, load, loadCorrections, rate, sleep, until } from './lib/two-sites';

const EVENTS_TOPIC = 'registry.events.v1';
const MIRRORED_TOPIC = `primary.${EVENTS_TOPIC}`;
/** How long the unplanned scenario writes before the primary is killed. */
const UNPLANNED_LOAD_MS = 3_000;
/** Correction requests made after the load (at most one per person loaded). */
const CORRECTIONS = 30;
/** The embassy has drained what reached it when its head did not move for this long. */
const SETTLE_MS = 1_500;

interface Options {
  readonly events: number;
  readonly scenario: 'planned' | 'unplanned';
  readonly concurrency: number;
  readonly keep: boolean;
  readonly failback: boolean;
  /** Persons per request while loading (POST /persons/batch above 1). */
  readonly batch: number;
}

interface DrillReport {
  readonly scenario: string;
  readonly events: number;
  readonly rpo_events: number;
  readonly rpo_ms: number;
  readonly rto_ms: number;
  readonly replay_events_per_s: number;
  readonly digests: Record<string, PairOfDigests>;
  readonly identical: boolean;
  readonly position: string;
  readonly raw_consume_events_per_s: number;
  readonly replay_ratio_to_raw_consume: number;
  readonly load_events_per_s: number;
  readonly discarded_on_promotion: number;
  readonly failback?: FailbackReport;
}

/** One piece of state on both sites; `position` for a projection (at its checkpoint). */
interface PairOfDigests {
  readonly primary: string;
  readonly embassy: string;
  readonly position?: string;
}

/** The failback after a planned failover: back to the original primary. */
interface FailbackReport {
  /** From fencing the embassy to the original primary serving reads and writes. */
  readonly rto_ms: number;
  /** The position the original primary took over at. */
  readonly position: string;
  /** Digests equal at the switch, and again once the embassy followed the primary anew. */
  readonly identical: boolean;
  readonly digest: string;
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

// ---------------------------------------------------------------------------------------------

function options(): Options {
  const { values } = parseArgs({
    options: {
      events: { type: 'string', default: '1000' },
      scenario: { type: 'string', default: 'planned' },
      concurrency: { type: 'string', default: '4' },
      keep: { type: 'boolean', default: false },
      failback: { type: 'boolean', default: false },
      bulk: { type: 'string', default: '50' },
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
  if (values.failback && values.scenario !== 'planned') {
    throw new Error('--failback follows a planned failover: use it with --scenario planned');
  }
  const batch = Number(values.bulk);
  if (!Number.isInteger(batch) || batch < 1 || batch > 500) {
    throw new Error('--bulk must be an integer from 1 to 500');
  }
  return {
    batch,
    events,
    scenario: values.scenario,
    concurrency,
    keep: values.keep,
    failback: values.failback,
  };
}

/** The raw consume rate of the Kafka client over the mirrored topic: no processing at all. */
async function mirroredConsumeRate(bootstrap: string, expected: number): Promise<number> {
  Logger.overrideLogger(['error']);
  const app = await NestFactory.createApplicationContext(
    MessagingModule.forRoot({
      clientId: 'drill-raw-consume',
      brokers: [bootstrap],
      logLevel: 'error',
    }),
  );
  try {
    // MirrorMaker 2 creates the mirrored topic once it has seen the primary's, and a consumer
    // cannot start until its partitions have leaders: wait for both.
    const admin = app.get(KafkaAdmin);
    await until(
      `MirrorMaker 2 to create ${MIRRORED_TOPIC}`,
      async () => ((await admin.listTopics()).includes(MIRRORED_TOPIC) ? true : undefined),
      120_000,
      500,
    );
    return await until(
      `${MIRRORED_TOPIC} to be readable`,
      async () => {
        try {
          return await rawConsumeRate(app.get(ConsumerGroupFactory), MIRRORED_TOPIC, expected);
        } catch (error) {
          if (String(error).includes('does not host this topic-partition')) return undefined;
          throw error;
        }
      },
      60_000,
      1_000,
    );
  } finally {
    await app.close();
  }
}

/**
 * The projections' digests on both sites once both projections stand at `head` (a read model
 * follows its log by a poll or two), keyed `<service>/<projection>` as in the report.
 */
async function projectionDigests(
  a: ServiceClient,
  b: ServiceClient,
  head: bigint,
): Promise<Record<string, PairOfDigests>> {
  const atHead = (site: ServiceClient, name: string) =>
    until(
      `the ${name} projections to reach position ${head}`,
      async () => {
        const digests = await site.digests(head);
        const all = Object.values(digests.projections);
        return all.every((p) => BigInt(p.position) >= head) ? digests : undefined;
      },
      60_000,
      50,
    );
  const [ours, theirs] = await Promise.all([atHead(a, 'first site'), atHead(b, 'second site')]);
  const pairs: Record<string, PairOfDigests> = {};
  for (const [name, projection] of Object.entries(ours.projections)) {
    const other = theirs.projections[name];
    if (projection.position !== other?.position) {
      throw new DrillStepError(
        `projection ${name} stands at ${projection.position} on one site, ${other?.position ?? 'nowhere'} on the other`,
      );
    }
    pairs[`${ours.service}/${name}`] = {
      primary: projection.digest,
      embassy: other.digest,
      position: projection.position,
    };
  }
  return pairs;
}

const allEqual = (pairs: Record<string, PairOfDigests>): boolean =>
  Object.values(pairs).every((pair) => pair.primary === pair.embassy);

/**
 * A planned switch of roles: fence `from`, wait until it published everything and `to` applied
 * it, compare digests at that head, promote `to`, and check it serves. RTO from the fence.
 */
async function switchover(
  from: ServiceClient,
  to: ServiceClient,
  fromName: string,
  toName: string,
  reason: string,
  serving: (site: ServiceClient) => Promise<void>,
): Promise<{
  head: bigint;
  digest: string;
  projections: Record<string, PairOfDigests>;
  promotion: { position: string; discarded: number };
  rtoMs: number;
}> {
  const decidedAt = performance.now();
  await from.fence(reason);
  const head = await until(
    `the fenced ${fromName} to publish everything`,
    async () => {
      const status = await from.status();
      const published = status.relays[EVENTS_TOPIC];
      return status.unpositioned === 0 && published === status.head
        ? BigInt(status.head)
        : undefined;
    },
    60_000,
    20,
  );
  phase(`${fromName} fenced at position ${head}; draining to the ${toName}`);
  await until(
    `the ${toName} to drain`,
    async () => {
      const status = await to.status();
      progress(`${toName} at ${status.head}/${head}`);
      return BigInt(status.head) >= head ? true : undefined;
    },
    120_000,
    20,
  );
  const digest = await from.digest(head);
  const theirs = await to.digest(head);
  if (theirs !== digest) {
    throw new DrillStepError(`digests differ before promotion: ${digest} vs ${theirs}`);
  }
  // The read models too, at the same head: `from` is `primary` in the pairs.
  const projections = await projectionDigests(from, to, head);
  if (!allEqual(projections)) {
    throw new DrillStepError(
      `projection digests differ before promotion: ${JSON.stringify(projections)}`,
    );
  }
  phase(`digests equal (log and ${Object.keys(projections).join(', ')}); promoting the ${toName}`);
  const promotion = await to.promote(reason);
  await serving(to);
  const rtoMs = performance.now() - decidedAt;
  phase(`${toName} serves reads and writes; RTO ${Math.round(rtoMs)} ms`);
  return { head, digest, projections, promotion, rtoMs };
}

/**
 * Failback after a planned failover: MirrorMaker 2 the other way, the former primary follows
 * the embassy (skipping the events it holds), writes go on at the embassy, then the roles swap
 * back with the same planned switch, and the embassy follows the primary again.
 */
async function runFailback(
  sites: TwoSites,
  primary: ServiceClient,
  embassy: ServiceClient,
  registrar: string,
  runId: string,
  opts: Options,
  serving: (site: ServiceClient) => Promise<void>,
): Promise<FailbackReport> {
  phase('failback: MirrorMaker 2 embassy -> primary; the former primary follows the embassy');
  await sites.startReverseMirror();
  // The mirrored topic appears once MirrorMaker has synced the topic list.
  await until(
    'the former primary to follow the embassy',
    async () => {
      try {
        await primary.demote('failback drill: follow the promoted embassy');
        return true;
      } catch (error) {
        if (error instanceof DrillStepError && /\b409\b/.test(error.message)) throw error;
        return undefined;
      }
    },
    90_000,
    1_000,
  );
  phase('writing on the embassy while the former primary follows');
  await load(embassy, registrar, `${runId}-failback`, {
    concurrency: Math.min(opts.concurrency, 4),
    count: 100,
    first: 8_000_000,
  });
  phase('failback: fence the embassy');
  const back = await switchover(embassy, primary, 'embassy', 'primary', 'failback drill', serving);
  await embassy.demote('failback drill: back to replica of the primary');
  await load(primary, registrar, `${runId}-after-failback`, {
    concurrency: 2,
    count: 20,
    first: 8_100_000,
  });
  const head = BigInt((await primary.status()).head);
  await until(
    'the embassy to follow the primary again',
    async () => (BigInt((await embassy.status()).head) >= head ? true : undefined),
    120_000,
    50,
  );
  const [ours, theirs] = [await primary.digest(head), await embassy.digest(head)];
  phase(
    `after failback, digest at position ${head}: ${ours === theirs ? 'IDENTICAL' : 'DIFFERENT'}`,
  );
  return {
    rto_ms: Math.round(back.rtoMs),
    position: back.promotion.position,
    identical: ours === theirs,
    digest: theirs,
  };
}

async function main(): Promise<number> {
  requireNode24();
  const opts = options();
  phase(`scenario ${opts.scenario}, ${opts.events} events`);
  const sites = await TwoSites.start({ log: phase, keep: opts.keep, durable: true });
  phase(`working folder ${sites.dir}${opts.keep ? ' (kept)' : ''}`);
  const stopAll = async (): Promise<void> => {
    phase('stopping everything the drill started');
    await sites.stop();
  };
  process.once('SIGINT', () => {
    void stopAll().then(() => process.exit(130));
  });
  try {
    return await drill(opts, sites);
  } finally {
    await stopAll();
  }
}

async function drill(opts: Options, sites: TwoSites): Promise<number> {
  const registrar = await sites.token('registrar', 'drill-clerk');
  phase('starting the registry on the primary');
  const primaryRegistry = await sites.startRegistry('primary');
  const primary = primaryRegistry.client;

  phase(
    `loading ${opts.events} events through ${opts.batch > 1 ? `POST /persons/batch (${opts.batch} persons per request` : 'POST /persons ('}, ${opts.concurrency} concurrent)`,
  );
  const runId = `drill-${Date.now()}`;
  const loaded = await load(primary, registrar, runId, {
    concurrency: opts.concurrency,
    count: opts.events,
    batch: opts.batch,
    progress: (n, perSecond) => {
      progress(`loaded ${n}/${opts.events} events, ${perSecond}/s`);
    },
  });
  const loadMs = loaded.ms;
  if (loaded.registered.length !== opts.events) {
    throw new DrillStepError(`loaded ${loaded.registered.length} of ${opts.events} events`);
  }
  phase(
    `loaded ${opts.events} events in ${Math.round(loadMs)} ms (${rate(opts.events, loadMs)}/s)`,
  );
  // A few correction requests, for the corrections read model (its digest is compared too).
  // The clerk is one of the persons loaded (a registrar never decides on their own request).
  const clerk = await sites.token('registrar', 'drill-clerk', loaded.registered.at(-1));
  const corrections = await loadCorrections(
    primary,
    { registrar: clerk, citizen: (nationalId) => sites.token('citizen', nationalId) },
    loaded.registered,
    runId,
    Math.min(CORRECTIONS, loaded.registered.length - 1),
  );
  phase(
    `${corrections.requested} correction requests (${corrections.accepted} accepted, ${corrections.rejected} rejected, the rest pending)`,
  );
  const loadedHead = await until(
    'the primary to position every event',
    async () => {
      const status = await primary.status();
      return status.unpositioned === 0 ? BigInt(status.head) : undefined;
    },
    60_000,
    20,
  );

  // MirrorMaker 2 may still be copying a large load: the replay is timed on a complete topic,
  // not at the pace of the mirror.
  phase('waiting until MirrorMaker 2 has mirrored the whole log');
  await mirroredConsumeRate(sites.embassy.kafka.bootstrap, Number(loadedHead));
  phase('starting the registry on the empty embassy: rebuild by replay of the mirrored log');
  const embassyRegistry = await sites.startRegistry('embassy');
  const readyAt = performance.now();
  const embassy = embassyRegistry.client;
  const target = loadedHead;
  // Timed on the replica's own count of stored events, not on its gapless head: batches of
  // different partitions land side by side, and the head jumps once a gap below it fills.
  let replayFirst: { at: number; applied: number } | undefined;
  const replayed = await until(
    'the embassy to replay the log',
    async () => {
      const status = await embassy.status();
      const head = BigInt(status.head);
      const applied = status.replica.appliedSinceStart;
      const now = performance.now();
      if (applied > 0 && replayFirst === undefined) replayFirst = { at: now, applied };
      const sinceFirst = replayFirst ? now - replayFirst.at : 0;
      progress(
        `replayed ${applied}/${target} events (head ${head})${replayFirst ? `, ${rate(applied - replayFirst.applied, sinceFirst)}/s` : ''}`,
      );
      return head >= target ? { at: now, head, applied } : undefined;
    },
    600_000,
    50,
  );
  // From the first batch seen stored; a log replayed before the second look is timed from the
  // moment the embassy's registry was ready instead (its consumer's group join included).
  const first =
    replayFirst !== undefined && replayFirst.applied < replayed.applied
      ? replayFirst
      : { at: readyAt, applied: 0 };
  const replayRate = rate(replayed.applied - first.applied, replayed.at - first.at);
  phase(
    `embassy replayed ${replayed.head} events (${replayRate}/s${first.applied > 0 ? ' after the first batch' : ' from its start'})`,
  );
  phase('measuring the raw consume rate of the Kafka client over the same mirrored topic');
  const rawRate = await mirroredConsumeRate(sites.embassy.kafka.bootstrap, Number(target));
  phase(`raw consume: ${rawRate} events/s`);

  // What embassy-sync does all the time: compare the digests of both sites at a common
  // position. It also leaves both services' digesters at that position, so that the digests of
  // the failover itself only cover the events written since, as in a running platform.
  const checkpointStarted = performance.now();
  const [atPrimary, atEmbassy] = await Promise.all([
    primary.digest(replayed.head),
    embassy.digest(replayed.head),
  ]);
  const checkpointMs = Math.round(performance.now() - checkpointStarted);
  if (atPrimary !== atEmbassy) {
    throw new DrillStepError(`digests differ at position ${replayed.head} after the replay`);
  }
  phase(`checkpoint at position ${replayed.head} verified: digests equal (${checkpointMs} ms)`);
  // The replica's read models, rebuilt from the replayed log, against the primary's.
  let projections = await projectionDigests(primary, embassy, replayed.head);
  phase(
    `projections at position ${replayed.head}: ${Object.entries(projections)
      .map(([name, pair]) => `${name} ${pair.primary === pair.embassy ? 'equal' : 'DIFFERENT'}`)
      .join(', ')}`,
  );

  const citizenOf = (nationalId: string) => sites.token('citizen', nationalId);
  const serving = async (site: ServiceClient): Promise<void> => {
    const someone = loaded.registered[0];
    if (!someone) throw new Error('nothing loaded');
    const read = await site.readPerson(await citizenOf(someone), someone);
    if (read !== 200) throw new DrillStepError(`the promoted embassy answered ${read} to a read`);
    await site.registerPerson(
      registrar,
      `${runId}-serving-${performance.now()}`,
      registerPersonBody(9_999_999),
    );
  };

  let report: Omit<DrillReport, 'digests' | 'identical' | 'position'>;
  let position: bigint;
  let primaryDigest: string;
  if (opts.scenario === 'planned') {
    phase('planned failover: fence the primary');
    const switched = await switchover(
      primary,
      embassy,
      'primary',
      'embassy',
      'failover drill (planned)',
      serving,
    );
    const { head, promotion, rtoMs } = switched;
    primaryDigest = switched.digest;
    projections = switched.projections;
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
    const underLoad = load(primary, registrar, runId, {
      concurrency: opts.concurrency,
      count: 1_000_000,
      first: opts.events,
      done: () => killed,
    });
    await sleep(UNPLANNED_LOAD_MS);
    const decidedAt = performance.now();
    process.kill(sites.primary.kafka.pid, 'SIGKILL');
    primaryRegistry.process.kill();
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
    const pool = new Pool({ connectionString: sites.primary.postgres.url('registry'), max: 2 });
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
  let identical = embassyDigest === primaryDigest && allEqual(projections);
  let failback: FailbackReport | undefined;
  if (opts.failback) {
    failback = await runFailback(sites, primary, embassy, registrar, runId, opts, serving);
    identical &&= failback.identical;
  }
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
    digests: { registry: { primary: primaryDigest, embassy: embassyDigest }, ...projections },
    identical,
    position: position.toString(),
    raw_consume_events_per_s: report.raw_consume_events_per_s,
    replay_ratio_to_raw_consume: report.replay_ratio_to_raw_consume,
    load_events_per_s: report.load_events_per_s,
    discarded_on_promotion: report.discarded_on_promotion,
    ...(failback ? { failback } : {}),
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
