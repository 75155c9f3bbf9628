// `npm run drill -- --events N --scenario planned|unplanned`: the data embassy's failover
// drill, on two throw-away sites that it starts and stops itself.
//
//  1. Starts two sites on free loopback ports (separate Kafka clusters, separate durable
//     PostgreSQL servers), MirrorMaker 2 from the primary to the embassy, and on the primary
//     every service that declares an event store (services/*/service.json); loads N events
//     through the registry's public API (POST /persons), a few correction requests, and a few
//     vehicles (registered, some transferred or deregistered).
//  2. Waits until MirrorMaker 2 has mirrored the registry's whole log, then starts the same
//     services on the empty embassy (replica role): each rebuilds its store from its mirrored
//     log. The registry's replay rate is measured here, beside the raw consume rate of the
//     Kafka client over the same mirrored topic in the same run.
//  3. Fails every one of them over.
//     planned:   fence each primary, let its embassy drain, compare digests, promote.
//     unplanned: under a steady write load, SIGKILL the primary's Kafka and services; promote
//                each embassy with what it has; the loss (RPO) is counted against the
//                primary's databases, which survived.
//     RTO runs from the failover decision to the embassy answering a read and a write.
//  4. Compares, for every such service, the digests of its log at its promoted position on
//     both sites, and of each projection it reports (`GET /replication/digest`) at a common
//     checkpoint: before the promotion in the planned scenario, after the replay in the
//     unplanned one (the primary is gone after). The report's `digests` has one entry per log
//     (`<service>`) and per projection (`<service>/<projection>`).
//
// Progress goes to standard error (one updating line on a terminal). The last line of standard
// output is one JSON object, the report, also written to `.cache/drill/last-report.json` (or
// `--report FILE`), where the portal's operator console shows it. The exit code is non-zero
// when the digests differ or a step failed (a failed step writes no report).
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';

import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Pool } from 'pg';

import { PostgresEventStore, digestLog } from '@gov/platform-event-sourcing';
import { ConsumerGroupFactory, KafkaAdmin, MessagingModule } from '@gov/platform-messaging';
import type { KafkaNode } from '@gov/platform-infra';
import { loadLegalBasisCatalogue } from '@gov/platform-legal-bases';

import { registerPersonBody } from '../bench/lib/persons';
import { rawConsumeRate } from '../bench/lib/raw-consume';
import { DrillStepError, httpCall } from './lib/drill-client';
import type { ServiceClient } from './lib/drill-client';
import { familyAllowanceJourney } from './lib/journey';
import { requireNode24 } from './lib/node-version';
import { serviceDeclaration } from './lib/services';
import {
  TwoSites,
  documentsDigest,
  load,
  loadAccesses,
  loadCorrections,
  loadLetters,
  loadVehicles,
  rate,
  sleep,
  until,
} from './lib/two-sites';
import { allEqual, projectionDigests, switchover } from './lib/switchover';
import type { PairOfDigests, Replicated, SwitchLog } from './lib/switchover';
import { defaultDrillReportFile, drillReport, writeDrillReport } from './lib/drill-report';
import type { DrillReport, ErasureReport, FailbackReport } from './lib/drill-report';

/**
 * The service the load goes through: the drill writes persons and correction requests with its
 * API. Every other service with an event store is started, failed over and compared too.
 */
const WORKLOAD = 'registry';
/** The legal ground the drill's erasure states. */
const ERASURE_GROUND = 'failover drill: a person erased on the primary before the failover';
/** How long the unplanned scenario writes before the primary is killed. */
const UNPLANNED_LOAD_MS = 3_000;
/** Correction requests made after the load (at most one per person loaded). */
const CORRECTIONS = 30;
/** Vehicles registered for as many persons (some then transferred or deregistered). */
const VEHICLES = 10;
/** Persons who grant a consent and whose records an agency reads twice (consent, audit logs). */
const ACCESSES = 20;
/** Letters delivered (one a 2 MiB document, the rest 100 KiB), whose bytes are compared too. */
const LETTERS = 10;
/**
 * Family-allowance cases run from draft to receipt of the decision letter (other persons than
 * the accesses'), for the procedures log, and more letters and audited reads.
 */
const PROCEDURES = 10;
/** The embassy has drained what reached it when its head did not move for this long. */
const SETTLE_MS = 1_500;
/** The agency feeds of the catalogue the services run with: a registration goes to each. */
const FEEDS = loadLegalBasisCatalogue().feeds.length;

interface Options {
  readonly events: number;
  readonly scenario: 'planned' | 'unplanned';
  readonly concurrency: number;
  readonly keep: boolean;
  readonly failback: boolean;
  /** Persons per request while loading (POST /persons/batch above 1). */
  readonly batch: number;
  /** Where the report is written besides standard output. */
  readonly report: string;
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

const drillLog: SwitchLog = { phase, progress };
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
      report: { type: 'string' },
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
    report: values.report ?? defaultDrillReportFile(),
  };
}

/** The raw consume rate of the Kafka client over the mirrored topic: no processing at all. */
async function mirroredConsumeRate(
  kafka: KafkaNode,
  mirroredTopic: string,
  expected: number,
): Promise<number> {
  Logger.overrideLogger(['error']);
  const app = await NestFactory.createApplicationContext(
    MessagingModule.forRoot({
      clientId: 'drill-raw-consume',
      brokers: [kafka.bootstrap],
      // The drill's own measurement, outside any service: the super user.
      sasl: kafka.sasl(),
      logLevel: 'error',
    }),
  );
  try {
    // MirrorMaker 2 creates the mirrored topic once it has seen the primary's, and a consumer
    // cannot start until its partitions have leaders: wait for both.
    const admin = app.get(KafkaAdmin);
    await until(
      `MirrorMaker 2 to create ${mirroredTopic}`,
      async () => ((await admin.listTopics()).includes(mirroredTopic) ? true : undefined),
      120_000,
      500,
    );
    return await until(
      `${mirroredTopic} to be readable`,
      async () => {
        try {
          return await rawConsumeRate(app.get(ConsumerGroupFactory), mirroredTopic, expected);
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
 * A service's head once it has not moved for {@link SETTLE_MS} (and, with `positioned`, every
 * event it holds is positioned): what reached it has been applied.
 */
async function settledHead(
  client: ServiceClient,
  what: string,
  positioned: boolean,
): Promise<bigint> {
  let last = -1n;
  let stableSince = performance.now();
  return until(
    `${what} to settle`,
    async () => {
      const status = await client.status();
      const head = BigInt(status.head);
      if (head !== last || (positioned && status.unpositioned !== 0)) {
        last = head;
        stableSince = performance.now();
      }
      return performance.now() - stableSince >= SETTLE_MS ? head : undefined;
    },
    60_000,
    50,
  );
}

function workloadOf(services: readonly Replicated[]): Replicated {
  const found = services.find((service) => service.name === WORKLOAD);
  if (!found) throw new Error(`the drill's workload service ${WORKLOAD} is not running`);
  return found;
}

/**
 * Failback after a planned failover: MirrorMaker 2 the other way, each former primary follows
 * its embassy (skipping the events it holds), writes go on at the embassy, then the roles swap
 * back with the same planned switch, and each embassy follows its primary again.
 */
async function runFailback(
  sites: TwoSites,
  services: readonly Replicated[],
  registrar: string,
  runId: string,
  opts: Options,
  serving: (site: ServiceClient) => Promise<void>,
): Promise<FailbackReport> {
  phase('failback: MirrorMaker 2 embassy -> primary; the former primary follows the embassy');
  await sites.startReverseMirror();
  // The mirrored topics appear once MirrorMaker has synced the topic list.
  await Promise.all(
    services.map((service) =>
      until(
        `the former primary ${service.name} to follow the embassy`,
        async () => {
          try {
            await service.primary.client.demote('failback drill: follow the promoted embassy');
            return true;
          } catch (error) {
            if (error instanceof DrillStepError && /\b409\b/.test(error.message)) throw error;
            return undefined;
          }
        },
        90_000,
        1_000,
      ),
    ),
  );
  const workload = workloadOf(services);
  phase('writing on the embassy while the former primary follows');
  await load(workload.embassy.client, registrar, `${runId}-failback`, {
    concurrency: Math.min(opts.concurrency, 4),
    count: 100,
    first: 8_000_000,
  });
  phase('failback: fence the embassy');
  const back = await switchover(
    services,
    'embassy',
    'primary',
    'failback drill',
    () => serving(workload.primary.client),
    drillLog,
  );
  await Promise.all(
    services.map((service) =>
      service.embassy.client.demote('failback drill: back to replica of the primary'),
    ),
  );
  await load(workload.primary.client, registrar, `${runId}-after-failback`, {
    concurrency: 2,
    count: 20,
    first: 8_100_000,
  });
  const compared = await Promise.all(
    services.map(async (service) => {
      const head = BigInt((await service.primary.client.status()).head);
      await until(
        `the embassy ${service.name} to follow the primary again`,
        async () =>
          BigInt((await service.embassy.client.status()).head) >= head ? true : undefined,
        120_000,
        50,
      );
      const [ours, theirs] = [
        await service.primary.client.digest(head),
        await service.embassy.client.digest(head),
      ];
      phase(
        `after failback, ${service.name} digest at position ${head}: ${ours === theirs ? 'IDENTICAL' : 'DIFFERENT'}`,
      );
      return { name: service.name, identical: ours === theirs, digest: theirs };
    }),
  );
  const promoted = back.services.get(WORKLOAD);
  return {
    rto_ms: Math.round(back.rtoMs),
    position: promoted?.promotion.position ?? '0',
    identical: compared.every((c) => c.identical) && allEqual(back.digests),
    digest: compared.find((c) => c.name === WORKLOAD)?.digest ?? '',
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
  const workloadTopic = serviceDeclaration(WORKLOAD).eventStore?.topic;
  if (workloadTopic === undefined) throw new Error(`${WORKLOAD} declares no event store`);
  phase('starting the services with an event store on the primary');
  const onPrimary = await sites.startReplicated('primary');
  phase(`on the primary: ${onPrimary.map((s) => s.spec.name).join(', ')}`);
  const primaryWorkload = onPrimary.find((s) => s.spec.name === WORKLOAD);
  if (!primaryWorkload) throw new Error(`the drill's workload service ${WORKLOAD} did not start`);
  const primary = primaryWorkload.client;

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
  // The third register: vehicles owned by persons loaded, some transferred or deregistered.
  const vehicles = await loadVehicles(
    primary,
    registrar,
    loaded.registered.slice(0, VEHICLES),
    runId,
  );
  phase(
    `${vehicles.registered} vehicles registered (${vehicles.transferred} transferred, ${vehicles.deregistered} deregistered)`,
  );
  // Consents and agency reads, for the consent and audit logs (when those services run).
  const consent = onPrimary.find((s) => s.spec.name === 'consent');
  const audit = onPrimary.find((s) => s.spec.name === 'audit');
  if (consent) {
    const accesses = await loadAccesses(
      { registry: primary, consent: consent.client },
      {
        agency: await sites.token('agency', 'drill-ccss', 'ccss'),
        citizen: (nationalId) => sites.token('citizen', nationalId),
      },
      loaded.registered.slice(0, ACCESSES),
      runId,
    );
    phase(`${accesses.consents} consents granted, ${accesses.reads} agency reads of records`);
    if (audit) {
      // Each read becomes one audit entry, asynchronously: wait for all of them, so that the
      // audit log's head below is the one to replay.
      await until(
        `the primary audit to record ${accesses.reads} accesses`,
        async () => {
          const status = await audit.client.status();
          return BigInt(status.head) >= BigInt(accesses.reads) && status.unpositioned === 0
            ? true
            : undefined;
        },
        60_000,
        50,
      );
    }
  }
  // Letters, for the letterbox's log and its documents, mirrored through their own topic.
  const letterbox = onPrimary.find((s) => s.spec.name === 'letterbox');
  if (letterbox) {
    const letters = await loadLetters(
      letterbox.client,
      await sites.token('agency', 'drill-ccss', 'ccss'),
      loaded.registered.slice(0, LETTERS),
      runId,
    );
    phase(`${letters.letters} letters delivered (${letters.bytes} bytes of documents)`);
  }
  // Whole procedures, for the procedures log: prefill reads, back-office steps and reads,
  // decision letters read and acknowledged.
  const procedures = onPrimary.find((s) => s.spec.name === 'procedures');
  if (procedures && letterbox) {
    const applicants = loaded.registered.slice(ACCESSES, ACCESSES + PROCEDURES);
    const backOffice = await sites.token('agency', 'drill-cae', 'cae');
    for (const [index, nationalId] of applicants.entries()) {
      await familyAllowanceJourney(
        {
          registry: primary.baseUrl,
          procedures: procedures.client.baseUrl,
          letterbox: letterbox.client.baseUrl,
        },
        { citizen: await sites.token('citizen', nationalId), backOffice },
        nationalId,
        `${runId}-case-${index}`,
      );
    }
    phase(
      `${applicants.length} family-allowance cases from draft to the decision letter's receipt`,
    );
  }
  // Erasure designed into the log: one person erased on the primary before the failover. The
  // embassy, rebuilt from the mirrored log and keys topic, must not be able to read them either.
  const erased = await primary.registerPerson(
    registrar,
    `${runId}-erased`,
    registerPersonBody(9_999_998),
  );
  // Their data in the services that seal it under keys of their own: a personal-space item
  // (procedures) and a letter (letterbox), readable before the erasure.
  const erasedCitizen = await sites.token('citizen', erased);
  // Their registration reaches the agencies' feeds before the erasure, and the audit log records
  // each delivery (a disclosure that happened stays in the log): wait for both, so that what the
  // feeds published, and so the audit log's length, does not depend on the feeds' pace.
  if (audit) {
    await until(
      'the erased person’s registration to be delivered on the agency feeds',
      async () => {
        const { json } = await httpCall(
          'GET',
          `${audit.client.baseUrl}/access-log/me`,
          erasedCitizen,
        );
        const entries = (json as { entries?: { leaf: { capacity: string } }[] }).entries ?? [];
        return entries.filter((entry) => entry.leaf.capacity === 'feed-recipient').length >= FEEDS
          ? true
          : undefined;
      },
      60_000,
      100,
    );
  }
  const sealedElsewhere = await sealForErasure(
    onPrimary,
    erasedCitizen,
    await sites.token('agency', 'drill-ccss', 'ccss'),
    erased,
    runId,
  );
  await primary.erasePerson(registrar, `${runId}-erasure`, erased, ERASURE_GROUND);
  const erasedOnPrimary = await primary.readPerson(registrar, erased);
  if (erasedOnPrimary !== 410) {
    throw new DrillStepError(
      `the primary answered ${erasedOnPrimary} to a read of an erased person`,
    );
  }
  // Each service obeys the registry's PersonErased in its own log, which the embassy replays:
  // wait for it here, so that the failover below carries it.
  for (const sealed of sealedElsewhere) {
    await until(
      `${sealed.service} on the primary to obey the erasure`,
      async () => ((await readAs(sealed.primaryUrl, erasedCitizen)) === 410 ? true : undefined),
      60_000,
      100,
    );
  }
  phase(
    `person ${erased} erased on the primary: reads answer 410 (registry${sealedElsewhere.map((s) => `, ${s.service}`).join('')})`,
  );

  // Every log, positioned and settled (the audit log and the procedures' notices follow other
  // services' topics): the targets of the replay.
  const targets = new Map<string, bigint>(
    await Promise.all(
      onPrimary.map(
        async (service) =>
          [
            service.spec.name,
            await settledHead(service.client, `the primary ${service.spec.name}`, true),
          ] as const,
      ),
    ),
  );
  const loadedHead = targets.get(WORKLOAD) ?? 0n;

  // MirrorMaker 2 may still be copying a large load: the replay is timed on a complete topic,
  // not at the pace of the mirror.
  const mirroredTopic = `primary.${workloadTopic}`;
  phase('waiting until MirrorMaker 2 has mirrored the whole log');
  await mirroredConsumeRate(sites.embassy.kafka, mirroredTopic, Number(loadedHead));
  phase('starting the same services on the empty embassy: rebuild by replay of the mirrored logs');
  const onEmbassy = await sites.startReplicated('embassy');
  const readyAt = performance.now();
  const services: Replicated[] = onPrimary.map((p) => {
    const e = onEmbassy.find((s) => s.spec.name === p.spec.name);
    const store = p.spec.eventStore;
    if (!e || !store) throw new Error(`${p.spec.name} did not start on the embassy`);
    return { name: p.spec.name, topic: store.topic, schema: store.schema, primary: p, embassy: e };
  });
  const embassy = workloadOf(services).embassy.client;
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
        `replayed ${applied}/${loadedHead} events (head ${head})${replayFirst ? `, ${rate(applied - replayFirst.applied, sinceFirst)}/s` : ''}`,
      );
      return head >= loadedHead ? { at: now, head, applied } : undefined;
    },
    600_000,
    50,
  );
  // The replica's own window: from the arrival of its first batch to the storing of its last
  // (a log replayed before the embassy's other services were ready is timed right too).
  const window = (await embassy.status()).replica.replayWindow;
  const replayRate =
    window === null
      ? rate(replayed.applied, replayed.at - readyAt)
      : rate(replayed.applied, Date.parse(window.to) - Date.parse(window.from));
  phase(
    `embassy replayed ${replayed.head} events (${replayRate}/s, from its first batch to its last)`,
  );
  for (const service of services.filter((s) => s.name !== WORKLOAD)) {
    const target = targets.get(service.name) ?? 0n;
    await until(
      `the embassy ${service.name} to replay its log`,
      async () =>
        BigInt((await service.embassy.client.status()).head) >= target ? true : undefined,
      120_000,
      50,
    );
    phase(`embassy ${service.name} replayed ${target} events`);
  }
  phase('measuring the raw consume rate of the Kafka client over the same mirrored topic');
  const rawRate = await mirroredConsumeRate(sites.embassy.kafka, mirroredTopic, Number(loadedHead));
  phase(`raw consume: ${rawRate} events/s`);

  // What embassy-sync does all the time: compare the digests of both sites at a common
  // position. It also leaves both services' digesters at that position, so that the digests of
  // the failover itself only cover the events written since, as in a running platform.
  const checkpointStarted = performance.now();
  let projections: Record<string, PairOfDigests> = {};
  for (const service of services) {
    const at = BigInt((await service.embassy.client.status()).head);
    const [atPrimary, atEmbassy] = await Promise.all([
      service.primary.client.digest(at),
      service.embassy.client.digest(at),
    ]);
    if (atPrimary !== atEmbassy) {
      throw new DrillStepError(
        `${service.name}: digests differ at position ${at} after the replay`,
      );
    }
    // The replica's read models, rebuilt from the replayed log, against the primary's.
    projections = {
      ...projections,
      ...(await projectionDigests(service.primary.client, service.embassy.client, at)),
    };
  }
  const checkpointMs = Math.round(performance.now() - checkpointStarted);
  phase(`checkpoints after the replay verified: digests equal (${checkpointMs} ms)`);
  phase(
    `projections after the replay: ${Object.entries(projections)
      .map(([name, pair]) => `${name} ${pair.primary === pair.embassy ? 'equal' : 'DIFFERENT'}`)
      .join(', ')}`,
  );

  // The letters' bytes travel on the documents topic, not in the log: the embassy must hold
  // every document its replayed letters name, with the same (SHA-256, length) list.
  const documents: Record<string, PairOfDigests> = {};
  const letterboxes = services.find((s) => s.name === 'letterbox');
  if (letterboxes) {
    const operator = await sites.token('operator', 'drill');
    const onBoth = await until(
      'the embassy letterbox to hold every document',
      async () => {
        const [p, e] = await Promise.all([
          documentsDigest(letterboxes.primary.client, operator),
          documentsDigest(letterboxes.embassy.client, operator),
        ]);
        return e.missing === 0 && e.digest === p.digest ? { p, e } : undefined;
      },
      120_000,
      100,
    );
    documents['letterbox/documents'] = { primary: onBoth.p.digest, embassy: onBoth.e.digest };
    phase(
      `letterbox documents: ${onBoth.e.documents} (${onBoth.e.bytes} bytes) on the embassy, none missing, digests equal`,
    );
  }

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

  let report: Omit<DrillReport, 'digests' | 'identical' | 'position' | 'finished_at'>;
  /** Per service: where its embassy was promoted and the primary's log digest there. */
  const promoted = new Map<string, { position: bigint; primaryDigest: string }>();
  if (opts.scenario === 'planned') {
    phase('planned failover: fence the primary');
    const switched = await switchover(
      services,
      'primary',
      'embassy',
      'failover drill (planned)',
      () => serving(workloadOf(services).embassy.client),
      drillLog,
    );
    let rpoEvents = 0;
    let discarded = 0;
    for (const [name, { head, promotion }] of switched.services) {
      const position = BigInt(promotion.position);
      promoted.set(name, { position, primaryDigest: switched.digests[name]?.primary ?? '' });
      rpoEvents += Number(head - position);
      discarded += promotion.discarded;
    }
    projections = Object.fromEntries(
      Object.entries(switched.digests).filter(([name]) => name.includes('/')),
    );
    report = {
      scenario: opts.scenario,
      events: opts.events,
      rpo_events: rpoEvents,
      rpo_ms: 0,
      rto_ms: Math.round(switched.rtoMs),
      replay_events_per_s: replayRate,
      raw_consume_events_per_s: rawRate,
      replay_ratio_to_raw_consume: rawRate > 0 ? Math.round((replayRate / rawRate) * 100) / 100 : 0,
      load_events_per_s: rate(opts.events, loadMs),
      discarded_on_promotion: discarded,
    };
  } else {
    phase(
      `unplanned failover: writing for ${UNPLANNED_LOAD_MS} ms, then SIGKILL of the primary's Kafka and services`,
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
    for (const service of services) service.primary.process.kill();
    killed = true;
    const acknowledged = (await underLoad.catch(() => ({ registered: [], failures: 0 })))
      .registered;
    phase(
      `primary killed (${acknowledged.length} writes acknowledged under load); embassy takes what it has`,
    );
    const promotions = await Promise.all(
      services.map(async (service) => {
        await settledHead(service.embassy.client, `the embassy ${service.name}`, false);
        return {
          service,
          promotion: await service.embassy.client.promote(
            'failover drill (unplanned: primary site lost)',
          ),
        };
      }),
    );
    await serving(embassy);
    const rtoMs = performance.now() - decidedAt;
    phase(`embassy promoted; serves reads and writes; RTO ${Math.round(rtoMs)} ms`);

    // The primary's databases survived the kill: count what the embassy does not have.
    let rpoEvents = 0;
    let rpoMs = 0;
    let discarded = 0;
    for (const { service, promotion } of promotions) {
      const position = BigInt(promotion.position);
      discarded += promotion.discarded;
      const database = service.primary.spec.database?.name ?? service.name;
      const pool = new Pool({ connectionString: sites.primary.postgres.url(database), max: 2 });
      try {
        const { rows } = await pool.query<{ n: string; last: Date | null }>(
          `SELECT count(*) AS n, max(recorded_at) AS last FROM "${service.schema}".events`,
        );
        const kept = await pool.query<{ at: Date | null }>(
          `SELECT recorded_at AS at FROM "${service.schema}".events WHERE global_position = $1`,
          [position.toString()],
        );
        const committed = Number(rows[0]?.n ?? 0);
        const lastAt = rows[0]?.last?.getTime() ?? 0;
        const keptAt = kept.rows[0]?.at?.getTime() ?? lastAt;
        const store = new PostgresEventStore({
          pool,
          schema: service.schema,
          producer: service.name,
        });
        promoted.set(service.name, {
          position,
          primaryDigest: (await digestLog(store, position)).digest,
        });
        phase(`${service.name}: promoted at position ${position}, ${committed} on the primary`);
        rpoEvents += committed - Number(position);
        rpoMs = Math.max(rpoMs, lastAt - keptAt);
      } finally {
        await pool.end();
      }
    }
    report = {
      scenario: opts.scenario,
      events: opts.events,
      rpo_events: rpoEvents,
      rpo_ms: Math.max(0, rpoMs),
      rto_ms: Math.round(rtoMs),
      replay_events_per_s: replayRate,
      raw_consume_events_per_s: rawRate,
      replay_ratio_to_raw_consume: rawRate > 0 ? Math.round((replayRate / rawRate) * 100) / 100 : 0,
      load_events_per_s: rate(opts.events, loadMs),
      discarded_on_promotion: discarded,
    };
  }

  const erasure = await erasureOnEmbassy(
    sites,
    workloadOf(services),
    registrar,
    erased,
    erasedOnPrimary,
    sealedElsewhere.map((sealed) => ({
      ...sealed,
      embassy: services.find((s) => s.name === sealed.service)?.embassy,
    })),
    erasedCitizen,
  );
  phase(
    `erased person on the promoted embassy: ${erasure.embassy_status}, key ${erasure.embassy_key}` +
      erasure.services
        .map((s) => `; ${s.service} ${s.embassy_status}, key ${s.embassy_key}`)
        .join('') +
      `: ${erasure.unreadable ? 'UNREADABLE' : 'READABLE'}`,
  );

  const logs: Record<string, PairOfDigests> = {};
  for (const service of services) {
    const at = promoted.get(service.name);
    if (!at) throw new Error(`${service.name} was not promoted`);
    const embassyDigest = await service.embassy.client.digest(at.position);
    logs[service.name] = {
      primary: at.primaryDigest,
      embassy: embassyDigest,
      position: at.position.toString(),
    };
    phase(
      `${service.name} digest at position ${at.position}: primary ${at.primaryDigest}, embassy ${embassyDigest}: ${at.primaryDigest === embassyDigest ? 'IDENTICAL' : 'DIFFERENT'}`,
    );
  }
  let identical = allEqual(logs) && allEqual(projections) && allEqual(documents);
  let failback: FailbackReport | undefined;
  if (opts.failback) {
    failback = await runFailback(sites, services, registrar, runId, opts, serving);
    identical &&= failback.identical;
  }
  phase(`digests: ${identical ? 'IDENTICAL' : 'DIFFERENT'}`);
  phase(
    `RPO ${report.rpo_events} events / ${report.rpo_ms} ms, RTO ${report.rto_ms} ms, replay ${report.replay_events_per_s} events/s`,
  );
  const full = drillReport(
    {
      ...report,
      digests: { ...logs, ...projections, ...documents },
      identical,
      position: (promoted.get(WORKLOAD)?.position ?? 0n).toString(),
      erasure,
      ...(failback ? { failback } : {}),
    },
    new Date(),
  );
  writeDrillReport(opts.report, full);
  phase(`report written to ${opts.report}`);
  process.stdout.write(`${JSON.stringify(full)}\n`);
  return identical && erasure.unreadable ? 0 : 1;
}

/**
 * What the promoted embassy knows of the person erased on the primary: its answer to a read,
 * and its copy of the person's key (destroyed as it replayed PersonErased, or as the keys topic
 * said; or never received, if it was destroyed before the embassy started).
 */
async function erasureOnEmbassy(
  sites: TwoSites,
  workload: Replicated,
  registrar: string,
  subject: string,
  primaryStatus: number,
  elsewhere: readonly (SealedElsewhere & { readonly embassy: Replicated['embassy'] | undefined })[],
  citizen: string,
): Promise<ErasureReport> {
  const embassyStatus = await workload.embassy.client.readPerson(registrar, subject);
  const key = await embassyKey(sites, workload.embassy, workload.name, subject);
  const services: ErasureReport['services'][number][] = [];
  for (const sealed of elsewhere) {
    if (sealed.embassy === undefined) throw new Error(`${sealed.service} has no embassy`);
    services.push({
      service: sealed.service,
      embassy_status: await readAs(`${sealed.embassy.client.baseUrl}${sealed.path}`, citizen),
      embassy_key: await embassyKey(sites, sealed.embassy, sealed.service, subject),
    });
  }
  return {
    subject,
    primary_status: primaryStatus,
    embassy_status: embassyStatus,
    embassy_key: key,
    services,
    unreadable:
      primaryStatus === 410 &&
      embassyStatus === 410 &&
      key !== 'LIVE' &&
      services.every((s) => s.embassy_status === 410 && s.embassy_key !== 'LIVE'),
  };
}

/** The embassy's copy of `subject`'s key in `service`'s key table. */
async function embassyKey(
  sites: TwoSites,
  embassy: Replicated['embassy'],
  service: string,
  subject: string,
): Promise<ErasureReport['embassy_key']> {
  const database = embassy.spec.database?.name ?? service;
  const pool = new Pool({ connectionString: sites.embassy.postgres.url(database), max: 1 });
  try {
    const { rows } = await pool.query<{ live: boolean }>(
      `SELECT wrapped_key IS NOT NULL AS live FROM ${service.replaceAll('-', '_')}_app.subject_keys
        WHERE subject_id = $1`,
      [subject],
    );
    const [row] = rows;
    return row === undefined ? 'never received' : row.live ? 'LIVE' : 'destroyed';
  } finally {
    await pool.end();
  }
}

/** Data of the person to erase in another service that seals it, and where to read it. */
interface SealedElsewhere {
  readonly service: string;
  /** The read, as the person, on the primary. */
  readonly primaryUrl: string;
  /** The same read's path, for the embassy. */
  readonly path: string;
}

/**
 * Gives the person to erase data in procedures (a personal-space item) and the letterbox (a
 * letter), where those run: each sealed under that service's own key of the person.
 */
async function sealForErasure(
  onPrimary: readonly {
    readonly spec: { readonly name: string };
    readonly client: ServiceClient;
  }[],
  citizen: string,
  agency: string,
  subject: string,
  runId: string,
): Promise<SealedElsewhere[]> {
  const sealed: SealedElsewhere[] = [];
  const procedures = onPrimary.find((s) => s.spec.name === 'procedures');
  if (procedures) {
    await expectStatus(
      fetch(`${procedures.client.baseUrl}/personal-space/email`, {
        method: 'PUT',
        headers: { authorization: `Bearer ${citizen}`, 'content-type': 'application/json' },
        body: JSON.stringify({ value: `erased.${runId}@example.lu` }),
      }),
      200,
      'a personal-space item of the person to erase',
    );
    const path = '/personal-space';
    sealed.push({ service: 'procedures', primaryUrl: `${procedures.client.baseUrl}${path}`, path });
  }
  const letterbox = onPrimary.find((s) => s.spec.name === 'letterbox');
  if (letterbox) {
    const delivered = await expectStatus(
      fetch(`${letterbox.client.baseUrl}/letters`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${agency}`,
          'content-type': 'application/json',
          'idempotency-key': `${runId}-letter-to-erased`,
        },
        body: JSON.stringify({
          recipient: { kind: 'person', id: subject },
          subject: 'A letter to a person the drill erases',
          contentType: 'application/pdf',
          content: Buffer.from(`%PDF-1.7\n% ${runId} erased\n`).toString('base64'),
          retentionDays: 365,
          receiptRequested: false,
        }),
      }),
      201,
      'a letter to the person to erase',
    );
    const { letterId } = (await delivered.json()) as { letterId: string };
    const path = `/letters/${letterId}`;
    sealed.push({ service: 'letterbox', primaryUrl: `${letterbox.client.baseUrl}${path}`, path });
  }
  for (const { service, primaryUrl } of sealed) {
    const status = await readAs(primaryUrl, citizen);
    if (status !== 200) {
      throw new DrillStepError(`${service} answered ${status} to the person before the erasure`);
    }
  }
  return sealed;
}

async function expectStatus(
  answer: Promise<Response>,
  status: number,
  what: string,
): Promise<Response> {
  const response = await answer;
  if (response.status !== status) {
    throw new DrillStepError(
      `${what}: answered ${response.status}: ${(await response.text()).slice(0, 300)}`,
    );
  }
  return response;
}

/** The status of a GET as `token`. */
async function readAs(url: string, token: string): Promise<number> {
  const response = await fetch(url, { headers: { authorization: `Bearer ${token}` } });
  await response.arrayBuffer();
  return response.status;
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
