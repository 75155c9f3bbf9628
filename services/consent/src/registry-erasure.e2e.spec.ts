// The registry erases a person who granted a consent: three processes over real Kafka and
// PostgreSQL (the registry, this service's primary, and its embassy replica). The consent
// service learns the erasure from registry.events.v1: the decision API denies every use of the
// person's data, the artefact reads REVOKED, and a new grant or preference answers 410. The
// embassy learns it by replaying this service's own log, and once promoted refuses too.
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { ensureLocalSigningKeys, mintToken } from '@gov/platform-auth';
import type { LocalSigningKeys, TokenRequest } from '@gov/platform-auth';
import { aPerson } from '@gov/platform-e2e-testing';
import { freePort } from '@gov/platform-infra';
import {
  createTestDatabase,
  runServiceTool,
  ServiceProcess,
  testKafkaEnv,
  uniqueName,
  waitFor,
  waitUntilOk,
} from '@gov/platform-testing';
import type { TestDatabase } from '@gov/platform-testing';

const ISSUER = 'consent-erasure-e2e';
const AUDIENCE = 'backbone';
const PURPOSE = 'family-allowance-payment-account';

interface Running {
  readonly database: TestDatabase;
  readonly service: ServiceProcess;
  readonly url: string;
}

interface Answer {
  readonly status: number;
  readonly body: Record<string, unknown>;
}

describe('a person erased by the registry, in the consent service', () => {
  let keysDir: string;
  let keys: LocalSigningKeys;
  const running: Running[] = [];
  const consentTopic = uniqueName('consent.events.v1');
  const source = uniqueName('primary');

  const token = (request: Omit<TokenRequest, 'issuer' | 'audience'>): Promise<string> =>
    mintToken(keys.privateKeyFile, { issuer: ISSUER, audience: AUDIENCE, ...request });

  async function start(service: 'consent' | 'registry', extra: Record<string, string>) {
    const database = await createTestDatabase(`${service}_erasure_e2e`);
    const migrated = runServiceTool(service, 'migrate', { DATABASE_URL: database.url });
    expect(migrated.status).toBe(0);
    const port = await freePort();
    const process = new ServiceProcess(service, {
      DATABASE_URL: database.url,
      HTTP_PORT: String(port),
      ...testKafkaEnv(),
      AUTH_JWKS_FILE: keys.jwksFile,
      DATA_KEK_FILE: keys.keyEncryptionKeyFile,
      AUTH_ISSUER: ISSUER,
      AUTH_AUDIENCE: AUDIENCE,
      LOG_LEVEL: 'warn',
      ...extra,
    });
    const started = { database, service: process, url: `http://127.0.0.1:${String(port)}` };
    running.push(started);
    await waitUntilOk(`${started.url}/health/ready`, process, 90_000);
    return started;
  }

  async function call(url: string, method: string, bearer: string, body?: unknown) {
    const response = await fetch(url, {
      method,
      headers: {
        authorization: `Bearer ${bearer}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...(method === 'GET' ? {} : { 'idempotency-key': randomUUID() }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    return {
      status: response.status,
      body: text === '' ? {} : (JSON.parse(text) as Record<string, unknown>),
    } satisfies Answer;
  }

  beforeAll(async () => {
    keysDir = mkdtempSync(join(tmpdir(), 'consent-erasure-e2e-'));
    keys = await ensureLocalSigningKeys(keysDir);
  });

  afterAll(async () => {
    for (const site of running) {
      site.service.signal('SIGTERM');
      await site.service.exit(15_000).catch(() => {
        site.service.signal('SIGKILL');
      });
      await site.database.drop();
    }
    rmSync(keysDir, { recursive: true, force: true });
  });

  it('denies every use, refuses new grants and preferences with 410, on both sites', async () => {
    const registryTopic = uniqueName('registry.events.v1');
    // The registry first: it makes its topic, which the consent service subscribes to.
    const registry = await start('registry', { EVENTS_TOPIC: registryTopic });
    const receipts = { RECEIPT_KEY_DIR: join(keysDir, 'receipts') };
    const consent = await start('consent', {
      ...receipts,
      EVENTS_TOPIC: `${source}.${consentTopic}`,
      CONSENT_REGISTRY_TOPIC: registryTopic,
    });
    const embassy = await start('consent', {
      ...receipts,
      SITE_ROLE: 'embassy',
      EVENTS_TOPIC: consentTopic,
      REPLICATION_SOURCE: source,
      REPLICATION_GROUP: uniqueName('consent.replica'),
    });
    const registrar = await token({
      role: 'registrar',
      subject: 'clerk-1',
      registers: ['persons'],
      organisationId: 'rnpp',
    });
    const agency = await token({ role: 'agency', subject: 'svc-ccss', organisationId: 'ccss' });
    const operator = await token({ role: 'operator', subject: 'ops-1' });
    const registered = await call(
      `${registry.url}/persons`,
      'POST',
      registrar,
      aPerson({ givenNames: 'Anna Maria' }),
    );
    expect(registered.status).toBe(201);
    const nationalId = String(registered.body['nationalId']);
    const citizen = await token({ role: 'citizen', subject: nationalId });
    const terms = {
      organisationId: 'ccss',
      categories: ['persons.address'],
      purpose: PURPOSE,
      validUntil: new Date(Date.now() + 24 * 3600_000).toISOString(),
    };
    const decide = (site: Running) =>
      call(`${site.url}/decisions`, 'POST', agency, {
        subject: nationalId,
        categories: ['persons.address'],
        purpose: PURPOSE,
      });
    const prefillAnswer = (site: Running) =>
      call(`${site.url}/prefill-preferences/${nationalId}?source=persons`, 'GET', agency);

    const granted = await call(`${consent.url}/consents`, 'POST', citizen, terms);
    expect(granted.status).toBe(201);
    const consentId = String(granted.body['consentId']);
    const preference = await call(
      `${consent.url}/prefill-preferences/sources/persons`,
      'PUT',
      citizen,
      { preference: 'ALLOW' },
    );
    expect(preference.status).toBe(200);
    expect((await decide(consent)).body).toMatchObject({ decision: 'permit', consentId });

    const erased = await call(`${registry.url}/persons/${nationalId}/erasure`, 'POST', registrar, {
      legalGround: 'Art. 17(1)(a) GDPR, decision 2026-042',
    });
    expect(erased.status).toBe(200);

    await waitFor('the consent service to obey the erasure', async () => {
      const decision = await decide(consent);
      return decision.body['code'] === 'SUBJECT_ERASED';
    });
    expect(await decide(consent)).toMatchObject({
      status: 200,
      body: { decision: 'deny', code: 'SUBJECT_ERASED', deniedCategories: ['persons.address'] },
    });
    expect(await call(`${consent.url}/consents/${consentId}`, 'GET', citizen)).toMatchObject({
      status: 200,
      body: { status: 'REVOKED' },
    });
    const refused = [
      await call(`${consent.url}/consents`, 'POST', citizen, terms),
      await call(`${consent.url}/prefill-preferences/sources/persons`, 'PUT', citizen, {
        preference: 'NEVER',
      }),
    ];
    for (const answer of refused) {
      expect(answer).toMatchObject({ status: 410, body: { code: 'DATA_ERASED' } });
    }
    expect((await prefillAnswer(consent)).body).toMatchObject({ prefill: false, rule: 'erased' });
    expect(
      (await call(`${consent.url}/prefill-preferences`, 'GET', citizen)).body['items'],
    ).toEqual([]);

    // The embassy replays the consent log: the same digests, the same answers.
    const status = async (site: Running) =>
      (await call(`${site.url}/replication/status`, 'GET', operator)).body;
    // The primary's head once it has positioned everything it stored (what it answered for):
    // positions are given after commit, so a head read earlier can be overtaken.
    let stored = await status(consent);
    while (BigInt(String(stored['head'])) < BigInt(String(stored['highestStored']))) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      stored = await status(consent);
    }
    const position = String(stored['head']);
    const digest = async (site: Running) =>
      (await call(`${site.url}/replication/digest?position=${position}`, 'GET', operator)).body as {
        position: string;
        digest: string;
        projections: Record<string, { position: string }>;
      };
    await waitFor('both sites’ read models at the primary’s head', async () => {
      for (const site of [consent, embassy]) {
        const answer = await digest(site);
        if (answer.position !== position) return false;
        if (!Object.values(answer.projections).every((p) => p.position === position)) {
          return false;
        }
      }
      return true;
    });
    const [onPrimary, onEmbassy] = [await digest(consent), await digest(embassy)];
    expect(onEmbassy.digest).toBe(onPrimary.digest);
    expect(onEmbassy.projections).toEqual(onPrimary.projections);
    expect((await prefillAnswer(embassy)).body).toMatchObject({ prefill: false, rule: 'erased' });
    expect(await call(`${embassy.url}/consents/${consentId}`, 'GET', citizen)).toMatchObject({
      body: { status: 'REVOKED' },
    });

    // Promoted, the embassy refuses too: it remembers the erasure from the log alone.
    const promoted = await call(`${embassy.url}/replication/promote`, 'POST', operator, {
      reason: 'erasure e2e',
    });
    expect(promoted.status).toBe(200);
    expect(await call(`${embassy.url}/consents`, 'POST', citizen, terms)).toMatchObject({
      status: 410,
      body: { code: 'DATA_ERASED' },
    });
    expect((await decide(embassy)).body).toMatchObject({ code: 'SUBJECT_ERASED' });
  }, 300_000);
});
