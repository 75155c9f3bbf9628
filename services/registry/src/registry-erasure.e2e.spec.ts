// Erasure across both sites: two registry processes, each with its own database, the embassy
// replaying the primary's log topic and applying its keys topic (both named as MirrorMaker 2
// would name them, on the same cluster here). A person erased on the primary can no longer be
// read on either site, the log keeps its events (the digests of both sites stay equal), the
// change feed publishes a tombstone, and another person is untouched; a third site rebuilt from
// the start after the erasure holds the same log and read models.
import { randomUUID } from 'node:crypto';

import { Kafka, logLevel } from 'kafkajs';

import { aPerson, randomBirthDate } from '@gov/platform-e2e-testing';
import { testInfra, testKafkaUser, uniqueName } from '@gov/platform-testing';

import { RegistrySites } from './testing/registry-sites';
import type { RegistrySite as Site } from './testing/registry-sites';

const LEGAL_GROUND = 'Art. 17(1)(d) GDPR: registered in error, court decision 2026/123';

interface Answer {
  readonly status: number;
  readonly body: Record<string, unknown>;
}

describe('erasure of a person on both sites', () => {
  let sites: RegistrySites;
  const token: RegistrySites['token'] = (request) => sites.token(request);
  // Both with the same key-encryption key, as a deployment mounts one Secret on both sites.
  const startSite = (extra: Record<string, string>): Promise<Site> => sites.start(extra);
  const sql = <T>(site: Site, text: string, values: unknown[] = []): Promise<T[]> =>
    sites.sql<T>(site, text, values);

  async function call(
    site: Site,
    method: string,
    path: string,
    bearer: string,
    body?: unknown,
  ): Promise<Answer> {
    const response = await fetch(`${site.baseUrl}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${bearer}`,
        ...(body === undefined
          ? {}
          : { 'content-type': 'application/json', 'idempotency-key': randomUUID() }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  }

  async function caughtUp(embassy: Site, primary: Site, operator: string): Promise<string> {
    const status = async (site: Site) =>
      (await call(site, 'GET', '/replication/status', operator)).body;
    // The primary's head once it has positioned everything it stored (what it answered for).
    let stored = await status(primary);
    while (BigInt(String(stored['head'])) < BigInt(String(stored['highestStored']))) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      stored = await status(primary);
    }
    const target = String(stored['head']);
    const deadline = Date.now() + 120_000;
    for (;;) {
      const now = await status(embassy);
      // At or past it: the primary may have positioned more since it was asked.
      if (BigInt(String(now['head'])) >= BigInt(target)) return target;
      if (Date.now() > deadline) {
        throw new Error(`the embassy did not reach ${target}: ${JSON.stringify(now)}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  /** A read on the embassy, retried while its keys topic has not delivered the key yet (503). */
  async function readOnEmbassy(embassy: Site, path: string, bearer: string): Promise<Answer> {
    const deadline = Date.now() + 60_000;
    for (;;) {
      const answer = await call(embassy, 'GET', path, bearer);
      if (answer.status !== 503 || Date.now() > deadline) return answer;
      expect(answer.body['code']).toBe('KEY_NOT_REPLICATED');
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }

  /**
   * ccss's feed, read with its own credentials from the start: the values under `key`, as they
   * arrive. Each site publishes its own feed from its log; here both to the one cluster.
   */
  async function watchFeed(key: string) {
    const kafka = new Kafka({
      clientId: 'agency-ccss',
      brokers: testInfra().kafkaBrokers,
      sasl: testKafkaUser('agency-ccss'),
      logLevel: logLevel.NOTHING,
    });
    const consumer = kafka.consumer({ groupId: `ccss.${uniqueName('erasure')}` });
    const values: (Buffer | null)[] = [];
    stops.push(() => consumer.disconnect());
    await consumer.connect();
    await consumer.subscribe({ topic: 'registry.changes.ccss.v1', fromBeginning: true });
    await consumer.run({
      eachMessage: ({ message }) => {
        if (message.key?.toString('utf8') === key) values.push(message.value);
        return Promise.resolve();
      },
    });
    return {
      values,
      /** Waits (up to a minute) until a value under the key satisfies `seen`. */
      async until(what: string, seen: (value: Buffer | null) => boolean): Promise<void> {
        const deadline = Date.now() + 60_000;
        while (!values.some(seen)) {
          if (Date.now() > deadline) {
            throw new Error(`no ${what} under ${key} on the ccss feed; values: ${values.length}`);
          }
          await new Promise((resolve) => setTimeout(resolve, 100));
        }
      },
    };
  }
  const stops: (() => Promise<void>)[] = [];

  beforeAll(async () => {
    sites = await RegistrySites.create('registry-erasure-e2e');
  });

  afterAll(async () => {
    for (const stop of stops.splice(0)) await stop();
    await sites.stop();
  });

  it('makes the person unreadable on both sites, keeps the log and its digests, and tells the feed', async () => {
    const registrar = await token({
      role: 'registrar',
      subject: 'clerk-1',
      registers: ['persons'],
      organisationId: 'rnpp',
    });
    const operator = await token({ role: 'operator', subject: 'ops-1' });
    const topic = uniqueName('registry.events.v1');
    const source = uniqueName('primary');
    const primary = await startSite({ EVENTS_TOPIC: `${source}.${topic}` });
    const embassy = await startSite({
      SITE_ROLE: 'embassy',
      EVENTS_TOPIC: topic,
      REPLICATION_SOURCE: source,
      REPLICATION_GROUP: uniqueName('registry.replica'),
    });

    // A birth date of this run's own, so the numbers are new to the shared feed topic.
    const birthDate = randomBirthDate();
    const person = (givenNames: string) => aPerson({ givenNames, birthDate });
    const anna = await call(primary, 'POST', '/persons', registrar, person('Anna'));
    const ben = await call(primary, 'POST', '/persons', registrar, person('Ben'));
    expect([anna.status, ben.status]).toEqual([201, 201]);
    const annaId = String(anna.body['nationalId']);
    const benId = String(ben.body['nationalId']);

    // Before: the embassy opens what the primary sealed, with the key it received.
    await caughtUp(embassy, primary, operator);
    const before = await readOnEmbassy(embassy, `/persons/${annaId}`, registrar);
    expect(before).toMatchObject({ status: 200, body: { givenNames: 'Anna' } });
    // ccss received her record. (Erased before its relay reached her registration, it would
    // never have: the relay cannot open what the erasure sealed, and sends only the tombstone.)
    const feed = await watchFeed(annaId);
    await feed.until('snapshot', (value) => value !== null && value.length > 0);

    const erased = await call(primary, 'POST', `/persons/${annaId}/erasure`, registrar, {
      legalGround: LEGAL_GROUND,
    });
    expect(erased).toMatchObject({ status: 200, body: { nationalId: annaId, changed: true } });
    const again = await call(primary, 'POST', `/persons/${annaId}/erasure`, registrar, {
      legalGround: LEGAL_GROUND,
    });
    expect(again).toMatchObject({ status: 200, body: { changed: false } });

    const position = await caughtUp(embassy, primary, operator);
    for (const site of [primary, embassy]) {
      for (const path of [`/persons/${annaId}`, `/persons/${annaId}/history`]) {
        const read = await call(site, 'GET', path, registrar);
        expect(read.status).toBe(410);
        expect(read.body['code']).toBe('RECORD_ERASED');
      }
      const self = await call(
        site,
        'GET',
        `/persons/${annaId}`,
        await token({ role: 'citizen', subject: annaId }),
      );
      expect(self.status).toBe(410);
      // The key is gone from the site's store; the events are still there, sealed.
      const [key] = await sql<{ wrapped_key: Buffer | null; destroyed_at: Date | null }>(
        site,
        'SELECT wrapped_key, destroyed_at FROM registry_app.subject_keys WHERE subject_id = $1',
        [annaId],
      );
      expect(key?.wrapped_key).toBeNull();
      expect(key?.destroyed_at).toBeInstanceOf(Date);
      const events = await sql<{ event_type: string; payload: Buffer }>(
        site,
        'SELECT event_type, payload FROM registry.events WHERE stream_id = $1 ORDER BY stream_version',
        [annaId],
      );
      expect(events.map((event) => event.event_type)).toEqual([
        'gov.registry.v1.PersonRegistered',
        'gov.registry.v1.PersonErased',
      ]);
      expect(events.some((event) => event.payload.includes('Schmit'))).toBe(false);
    }
    // Ben is untouched, on both sites.
    expect((await call(primary, 'GET', `/persons/${benId}`, registrar)).status).toBe(200);
    expect(await readOnEmbassy(embassy, `/persons/${benId}`, registrar)).toMatchObject({
      status: 200,
      body: { givenNames: 'Ben' },
    });
    // Writes are refused for good.
    const change = await call(primary, 'PUT', `/persons/${annaId}/name`, registrar, {
      givenNames: 'Anna',
      familyName: 'Muller',
    });
    expect(change).toMatchObject({ status: 410, body: { code: 'DATA_ERASED' } });

    // The log is intact: the same digest on both sites at the same position.
    const digest = async (site: Site) =>
      (
        await call(
          site,
          'GET',
          `/replication/digest?position=${position}&projections=false`,
          operator,
        )
      ).body['digest'];
    expect(await digest(primary)).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(await digest(embassy)).toEqual(await digest(primary));

    // On ccss's feed: Anna's snapshot, cut to ccss's basis, first; her tombstone (null value)
    // under her number last, as on the full feed.
    await feed.until('tombstone', (value) => value === null);
    const { values } = feed;
    expect(values.length).toBeGreaterThanOrEqual(2);
    expect(values[0]?.length).toBeGreaterThan(0);
    expect(values.at(-1)).toBeNull();

    // A replay from the start after the erasure rebuilds the same state: a third site, empty,
    // replays the whole log and the keys topic (Anna's key arrives, then its destruction).
    const rebuilt = await startSite({
      SITE_ROLE: 'embassy',
      EVENTS_TOPIC: topic,
      REPLICATION_SOURCE: source,
      REPLICATION_GROUP: uniqueName('registry.rebuilt'),
    });
    const head = await caughtUp(rebuilt, primary, operator);
    expect(await call(rebuilt, 'GET', `/persons/${annaId}`, registrar)).toMatchObject({
      status: 410,
      body: { code: 'RECORD_ERASED' },
    });
    expect(await readOnEmbassy(rebuilt, `/persons/${benId}`, registrar)).toMatchObject({
      status: 200,
      body: { givenNames: 'Ben' },
    });
    const [rebuiltKey] = await sql<{ wrapped_key: Buffer | null }>(
      rebuilt,
      'SELECT wrapped_key FROM registry_app.subject_keys WHERE subject_id = $1',
      [annaId],
    );
    expect(rebuiltKey).toEqual({ wrapped_key: null });
    // The log and every read model, once each site's projections reached the same head.
    const state = async (site: Site) => {
      const deadline = Date.now() + 60_000;
      for (;;) {
        const body = (await call(site, 'GET', `/replication/digest?position=${head}`, operator))
          .body;
        const projections = Object.values(
          body['projections'] as Record<string, { position: string }>,
        );
        if (projections.every((projection) => BigInt(projection.position) >= BigInt(head))) {
          return body;
        }
        if (Date.now() > deadline)
          throw new Error(`projections behind ${head}: ${JSON.stringify(body)}`);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    };
    const states = [await state(primary), await state(embassy), await state(rebuilt)];
    expect(Object.keys(states[0]?.['projections'] ?? {}).length).toBeGreaterThan(0);
    expect(states[1]).toEqual(states[0]);
    expect(states[2]).toEqual(states[0]);
  });
});
