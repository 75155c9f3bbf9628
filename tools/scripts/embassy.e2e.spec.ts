// The data embassy end to end: two sites (separate Kafka clusters and PostgreSQL servers),
// MirrorMaker 2 between them, the registry on each, exactly as `npm start` and the drill run
// them. What the issue asks to prove: an empty embassy rebuilds identical state; a link cut is
// reported and caught up; a SIGKILL mid-replay loses nothing and applies nothing twice; a poison
// record in a mirrored topic is dead-lettered, reported, and the replay goes on.
import { randomUUID } from 'node:crypto';

import type { INestApplicationContext } from '@nestjs/common';
import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Pool } from 'pg';

import { toEnvelopeRecord } from '@gov/platform-event-sourcing';
import { EventPublisher, KafkaAdmin, MessagingModule } from '@gov/platform-messaging';
import type { KafkaNode } from '@gov/platform-infra';

import { TwoSites, load, loadCorrections, sleep, until } from './lib/two-sites';
import type { ServiceProcess } from './lib/local-platform';
import type { SiteService } from './lib/two-sites';

const quiet = (): void => undefined;

let sites: TwoSites;
let primary: SiteService;
let embassy: SiteService;
let registrar: string;
let operator: string;
/** embassy-sync on the embassy site (it verifies) and on the primary (it signs). */
let sync: ServiceProcess;
let loaded = 0;
/** The national identification numbers registered, in order. */
const persons: string[] = [];
/**
 * What the primary’s log holds after `beforeAll`: the two agency feeds’ first cuts, 300 persons
 * and 21 correction events (9 requests; 3 acceptances, each with its record change and its
 * communication; 3 rejections).
 */
const LOADED_HEAD = 323n;

/** The part of embassy-sync's status these tests read. */
interface SyncStatus {
  readonly alarm: { readonly state: string; readonly reasons: readonly { code: string }[] };
  readonly services: readonly {
    readonly lag: { readonly events: number | null; readonly ms: number | null };
    readonly checkpoints: { readonly lastVerified: { readonly position: string } | null };
  }[];
}

async function syncStatus(): Promise<SyncStatus> {
  const response = await fetch(`${sync.url}/status`, {
    headers: { authorization: `Bearer ${operator}` },
  });
  expect(response.status).toBe(200);
  return (await response.json()) as SyncStatus;
}

/** Registers `count` more persons on the primary. */
async function loadMore(count: number, concurrency = 8, bulk = 1): Promise<void> {
  const result = await load(primary.client, registrar, 'e2e', {
    concurrency,
    count,
    first: loaded,
    batch: bulk,
  });
  expect(result.registered).toHaveLength(count);
  persons.push(...result.registered);
  loaded += count;
}

async function headOf(site: SiteService): Promise<bigint> {
  return BigInt((await site.client.status()).head);
}

async function caughtUp(site: SiteService, timeoutMs = 120_000): Promise<bigint> {
  const target = await headOf(primary);
  return until(
    `the ${site.process.site} registry to reach position ${target}`,
    async () => {
      const head = await headOf(site);
      return head >= target ? head : undefined;
    },
    timeoutMs,
  );
}

async function messaging(kafka: KafkaNode): Promise<INestApplicationContext> {
  Logger.overrideLogger(['error']);
  return NestFactory.createApplicationContext(
    MessagingModule.forRoot({
      clientId: 'embassy-e2e',
      brokers: [kafka.bootstrap],
      sasl: kafka.sasl(),
      logLevel: 'error',
    }),
  );
}

beforeAll(async () => {
  sites = await TwoSites.start({ log: quiet, durable: false });
  registrar = await sites.token('registrar', 'e2e-clerk');
  primary = await sites.startService('primary', 'registry');
  await loadMore(300);
  // Nine correction requests: three accepted (request, acceptance, record corrected), three
  // rejected, three pending: 9 + 3 x 2 + 3 = 18 events more, and rows in the read model.
  const clerk = await sites.token('registrar', 'e2e-clerk', persons.at(-1));
  expect(
    await loadCorrections(
      primary.client,
      { registrar: clerk, citizen: (nationalId) => sites.token('citizen', nationalId) },
      persons,
      'e2e',
      9,
    ),
  ).toEqual({ requested: 9, accepted: 3, rejected: 3 });
  embassy = await sites.startService('embassy', 'registry');
  operator = await sites.token('operator', 'e2e-ops');
  // Checkpoints every second rather than every five, to keep the test short.
  const fast = { env: { CHECKPOINT_INTERVAL_MS: '1000' } };
  await sites.startService('primary', 'embassy-sync', fast);
  sync = (await sites.startService('embassy', 'embassy-sync', fast)).process;
}, 240_000);

afterAll(async () => {
  await sites.stop();
}, 60_000);

describe('the data embassy (two sites, MirrorMaker 2)', () => {
  it('rebuilds an empty embassy from the start of the log with an identical digest', async () => {
    const head = await caughtUp(embassy);

    expect(head).toBe(LOADED_HEAD);
    expect(await embassy.client.digest(head)).toBe(await primary.client.digest(head));
    const status = await embassy.client.status();
    expect(status).toMatchObject({ role: 'replica', head: '323', highestStored: '323' });
    // The replica's corrections read model, rebuilt from the replayed log: the same rows.
    const [ours, theirs] = await Promise.all(
      [primary, embassy].map((site) =>
        until(
          `the ${site.process.site} corrections projection to reach ${head}`,
          async () => {
            const digests = await site.client.digests(head);
            return digests.projections['corrections']?.position === head.toString()
              ? digests.projections['corrections']
              : undefined;
          },
          30_000,
        ),
      ),
    );
    expect(ours).toMatchObject({ rows: 9 });
    expect(theirs).toEqual(ours);
    // …and it answers from it.
    const requester = persons[0] ?? '';
    const listed = await fetch(`${embassy.process.url}/corrections`, {
      headers: { authorization: `Bearer ${await sites.token('citizen', requester)}` },
    });
    expect(listed.status).toBe(200);
    expect(await listed.json()).toEqual({
      items: [
        expect.objectContaining({ recordId: requester, status: 'ACCEPTED', appliedToRecord: true }),
      ],
    });
    expect(status.replica).toMatchObject({ running: true, halted: [], deadLetters: [] });
    // The mirrored topic is prefixed with the source site; public topics are not mirrored.
    const app = await messaging(sites.embassy.kafka);
    try {
      const topics = await app.get(KafkaAdmin).listTopics();
      expect(topics).toContain('primary.registry.events.v1');
      expect(topics).not.toContain('primary.registry.changes.v1');
    } finally {
      await app.close();
    }
    // The replica refuses writes, with a problem saying why.
    const refused = await fetch(`${embassy.process.url}/persons`, {
      method: 'POST',
      headers: { authorization: `Bearer ${registrar}`, 'content-type': 'application/json' },
      body: '{}',
    });
    expect(refused.status).toBe(503);
    expect(refused.headers.get('content-type')).toContain('application/problem+json');
    expect(await refused.json()).toMatchObject({ code: 'READ_ONLY_SITE', siteRole: 'replica' });
    // embassy-sync sees no lag and verifies the primary's signed checkpoint at the head.
    const verified = await until(
      'embassy-sync to verify a checkpoint at the head',
      async () => {
        const status = await syncStatus();
        return status.services[0]?.checkpoints.lastVerified?.position === String(LOADED_HEAD)
          ? status
          : undefined;
      },
      60_000,
      250,
    );
    expect(verified.alarm).toEqual({ state: 'ok', reasons: [] });
    expect(verified.services[0]?.lag).toMatchObject({ events: 0, ms: 0 });
  });

  it('reports a growing lag while the link is cut for 30 s under load, and catches up after', async () => {
    await caughtUp(embassy);
    await sites.stopMirror();
    let writing = true;
    const steady = load(primary.client, registrar, 'e2e-cut', {
      concurrency: 2,
      count: 1_000_000,
      first: 100_000,
      done: () => !writing,
    });
    const lags: bigint[] = [];
    const reported: (number | null)[] = [];
    const cutUntil = Date.now() + 30_000;
    while (Date.now() < cutUntil) {
      await sleep(5_000);
      lags.push((await headOf(primary)) - (await headOf(embassy)));
      reported.push((await syncStatus()).services[0]?.lag.ms ?? null);
    }
    const cut = await syncStatus();
    writing = false;
    const written = await steady;
    expect(written.registered.length).toBeGreaterThan(0);
    // Nothing crosses while the link is down, so the lag only grows.
    expect(lags.length).toBeGreaterThanOrEqual(5);
    expect(lags.every((lag, i) => i === 0 || lag >= (lags[i - 1] ?? 0n))).toBe(true);
    expect(lags.at(-1)).toBeGreaterThan(0n);
    // embassy-sync reports it: the span of writes not at the embassy grows with the cut.
    expect(reported.at(-1)).toBeGreaterThan(10_000);
    expect(cut.alarm.reasons.map((r) => r.code)).toContain('lag');

    await sites.startMirror();
    const head = await caughtUp(embassy);
    expect(await embassy.client.digest(head)).toBe(await primary.client.digest(head));
  }, 180_000);

  it('resumes a replay after a SIGKILL without losing or applying an event twice', async () => {
    // Enough that the rebuild takes a while (it replays at 15k+ events/s on a fast machine,
    // 0.7 s for these): the kill must land in the middle of it, not after. It is watched in the
    // database from the moment the process is spawned, not from its readiness (which may come
    // after a short replay), so it lands within a poll (20 ms) of the point it waits for.
    await loadMore(10_000, 4, 200);
    const target = await headOf(primary);
    // Small fetches: the first batch must not hold the whole log, or nothing is left to kill.
    const env = { REPLICATION_GROUP: 'registry.rebuild', REPLICATION_FETCH_BYTES: '65536' };
    const victim = await sites.startService('embassy', 'registry', {
      database: 'registry_rebuild',
      env,
      awaitReady: false,
    });
    const pool = new Pool({ connectionString: sites.embassy.postgres.url('registry_rebuild') });
    try {
      const stored = async (): Promise<bigint> => {
        const { rows } = await pool.query<{ head: string }>(
          'SELECT position AS head FROM registry.log_head',
        );
        return BigInt(rows[0]?.head ?? '0');
      };
      // Killed once a tenth of the log is stored: well into the replay, far from its end.
      await until(
        'the rebuild to be under way',
        async () => ((await stored()) >= target / 10n ? true : undefined),
        60_000,
        20,
      );
      victim.process.kill();
      expect(await stored()).toBeLessThan(target);

      const resumed = await sites.startService('embassy', 'registry', {
        database: 'registry_rebuild',
        env,
      });
      const head = await caughtUp(resumed);
      const { rows } = await pool.query<{ n: string; ids: string }>(
        'SELECT count(*) AS n, count(DISTINCT event_id) AS ids FROM registry.events',
      );
      expect(rows[0]).toEqual({ n: head.toString(), ids: head.toString() });
      expect(await resumed.client.digest(head)).toBe(await primary.client.digest(head));
    } finally {
      await pool.end();
    }
  }, 240_000);

  it('dead-letters a poison record, halts a tampered stream, reports both, and goes on replaying', async () => {
    // An envelope whose content hash is not the hash of its content, of a stream of its own.
    const tampered = toEnvelopeRecord({
      eventId: randomUUID(),
      eventType: 'gov.registry.v1.PersonRegistered',
      payloadSchemaVersion: 1,
      streamId: 'tampered-e2e',
      streamVersion: 1,
      globalPosition: 1_000_000_000n,
      producer: 'registry',
      occurredAt: new Date(),
      recordedAt: new Date(),
      correlationId: 'tampered',
      causationId: null,
      traceparent: null,
      tracestate: null,
      contentHash: new Uint8Array(32),
      previousHash: null,
      dataSubjectKeyId: null,
      actor: null,
      payload: Buffer.from('forged'),
    });
    const app = await messaging(sites.primary.kafka);
    try {
      await app
        .get(EventPublisher)
        .publish('registry.events.v1', [
          { key: 'poison', value: Buffer.from('not an envelope') },
          tampered,
        ]);
    } finally {
      await app.close();
    }
    await loadMore(50);
    await caughtUp(embassy);

    const status = await embassy.client.status();
    expect(status.replica.deadLetters).toEqual([
      expect.objectContaining({ topic: 'primary.registry.events.v1', reason: 'undecodable' }),
    ]);
    // The tampered stream is halted and reported (as JSON: the position a decimal string).
    expect(status.replica.halted).toEqual([
      expect.objectContaining({
        streamId: 'tampered-e2e',
        reason: 'content-hash',
        globalPosition: '1000000000',
      }),
    ]);
    const head = BigInt(status.head);
    expect(await embassy.client.digest(head)).toBe(await primary.client.digest(head));
    // ... and embassy-sync raises the alarm for both. It may be in alarm for lag first (the load
    // above, on a busy machine): wait for the poll that sees the dead letter and the halt.
    const reasons = (sync: SyncStatus) => sync.alarm.reasons.map((r) => r.code);
    const alarmed = await until(
      'embassy-sync to raise the alarm for the dead letter and the halted stream',
      async () => {
        const sync = await syncStatus();
        const codes = reasons(sync);
        return sync.alarm.state === 'alarm' &&
          codes.includes('dead-letters') &&
          codes.includes('halted-streams')
          ? sync
          : undefined;
      },
      30_000,
      250,
    ).catch(async (error: unknown) => {
      throw new Error(`${String(error)}; last reasons: ${reasons(await syncStatus()).join(', ')}`);
    });
    expect(alarmed.alarm.state).toBe('alarm');
  }, 120_000);
});
