// The consent service as a process over real Kafka and PostgreSQL: a citizen grants, the
// receipt verifies with the published JWKS alone, an agency's decisions permit and deny as the
// person pauses, resumes and revokes, the permit reaches consent.events.v1, a short consent
// expires by itself, bad input changes nothing, and a replica on a second database replays the
// log to the same digests.
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { fromBinary } from '@bufbuild/protobuf';
import type { INestApplicationContext } from '@nestjs/common';
import { compactVerify, createLocalJWKSet } from 'jose';
import type { JSONWebKeySet } from 'jose';
import { Client } from 'pg';

import { AccessPermittedSchema } from '@gov/contracts';
import { ensureLocalSigningKeys, mintToken } from '@gov/platform-auth';
import type { LocalSigningKeys, TokenRequest } from '@gov/platform-auth';
import { EVENT_TYPE_HEADER, decodeEventEnvelope } from '@gov/platform-event-sourcing';
import { freePort } from '@gov/platform-infra';
import { readTopicUntilSentinels, startTestMessaging } from '@gov/platform-messaging-testing';
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

const ISSUER = 'consent-e2e';
const AUDIENCE = 'backbone';
const ANNA = '1983081246785';
const LUC = '1990013100012';

interface Site {
  readonly database: TestDatabase;
  readonly service: ServiceProcess;
  readonly baseUrl: string;
}

interface Answer {
  readonly status: number;
  readonly type: string | null;
  readonly body: Record<string, unknown>;
}

describe('consent service', () => {
  let keysDir: string;
  let keys: LocalSigningKeys;
  let kafka: INestApplicationContext;
  const sites: Site[] = [];
  const topic = uniqueName('consent.events.v1');
  const source = uniqueName('primary');
  let primary: Site;
  let citizen: string;
  let other: string;
  let ccss: string;
  let acd: string;
  let dpo: string;
  let operator: string;

  const token = (request: Omit<TokenRequest, 'issuer' | 'audience'>): Promise<string> =>
    mintToken(keys.privateKeyFile, { issuer: ISSUER, audience: AUDIENCE, ...request });

  async function startSite(extra: Record<string, string>): Promise<Site> {
    const database = await createTestDatabase('consent_e2e');
    const env = { DATABASE_URL: database.url };
    const migrated = runServiceTool('consent', 'migrate', env);
    expect(migrated.stderr).toBe('');
    expect(migrated.status).toBe(0);
    const port = await freePort();
    const service = new ServiceProcess('consent', {
      ...env,
      ...extra,
      HTTP_PORT: String(port),
      ...testKafkaEnv(),
      AUTH_JWKS_FILE: keys.jwksFile,
      DATA_KEK_FILE: keys.keyEncryptionKeyFile,
      AUTH_ISSUER: ISSUER,
      AUTH_AUDIENCE: AUDIENCE,
      RECEIPT_KEY_DIR: join(keysDir, 'receipts'),
      LOG_LEVEL: 'warn',
    });
    const site = { database, service, baseUrl: `http://127.0.0.1:${String(port)}` };
    sites.push(site);
    await waitUntilOk(`${site.baseUrl}/health/ready`, service, 90_000);
    return site;
  }

  async function call(
    site: Site,
    method: string,
    path: string,
    bearer: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ): Promise<Answer> {
    const response = await fetch(`${site.baseUrl}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${bearer}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...(method === 'GET' ? {} : { 'idempotency-key': randomUUID() }),
        ...headers,
      },
      ...(body === undefined
        ? {}
        : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
    });
    const text = await response.text();
    return {
      status: response.status,
      type: response.headers.get('content-type'),
      body: text === '' ? {} : (JSON.parse(text) as Record<string, unknown>),
    };
  }

  const head = async (site: Site): Promise<string> =>
    String((await call(site, 'GET', '/replication/status', operator)).body['head']);

  const grant = (overrides: Record<string, unknown> = {}) =>
    call(primary, 'POST', '/consents', citizen, {
      organisationId: 'ccss',
      categories: ['personal-space.bank-account', 'persons.address'],
      purpose: 'family-allowance-payment-account',
      procedureId: 'allocation-familiale',
      validUntil: new Date(Date.now() + 30 * 24 * 3600_000).toISOString(),
      maxUses: 5,
      ...overrides,
    });

  const decide = (categories = ['personal-space.bank-account']) =>
    call(primary, 'POST', '/decisions', ccss, {
      subject: ANNA,
      categories,
      purpose: 'family-allowance-payment-account',
      procedureId: 'allocation-familiale',
    });

  async function verifiedReceipt(consentId: string, receiptId: string) {
    const jwks = (await (
      await fetch(`${primary.baseUrl}/.well-known/jwks.json`)
    ).json()) as JSONWebKeySet;
    const response = await fetch(`${primary.baseUrl}/consents/${consentId}/receipts/${receiptId}`, {
      headers: { authorization: `Bearer ${citizen}`, accept: 'application/jose' },
    });
    expect(response.headers.get('content-type')).toMatch(/^application\/jose/);
    const { payload } = await compactVerify(await response.text(), createLocalJWKSet(jwks));
    return JSON.parse(new TextDecoder().decode(payload)) as Record<string, unknown>;
  }

  beforeAll(async () => {
    keysDir = mkdtempSync(join(tmpdir(), 'consent-e2e-'));
    keys = await ensureLocalSigningKeys(keysDir);
    citizen = await token({ role: 'citizen', subject: ANNA });
    other = await token({ role: 'citizen', subject: LUC });
    ccss = await token({ role: 'agency', subject: 'svc-ccss', organisationId: 'ccss' });
    acd = await token({ role: 'agency', subject: 'svc-acd', organisationId: 'acd' });
    dpo = await token({ role: 'dpo', subject: 'dpo-1' });
    operator = await token({ role: 'operator', subject: 'ops-1' });
    kafka = await startTestMessaging('consent-e2e');
    primary = await startSite({ EVENTS_TOPIC: `${source}.${topic}` });
  });

  afterAll(async () => {
    await kafka.close();
    for (const site of sites) {
      site.service.signal('SIGTERM');
      await site.service.exit(15_000).catch(() => {
        site.service.signal('SIGKILL');
      });
      await site.database.drop();
    }
    rmSync(keysDir, { recursive: true, force: true });
  });

  let consentId: string;

  it('grants, receipts verifiably, permits and counts uses, pauses, resumes and revokes', async () => {
    const granted = await grant();
    expect(granted).toMatchObject({ status: 201, body: { status: 'ACTIVE', version: 1 } });
    consentId = String(granted.body['consentId']);
    const receipt = await verifiedReceipt(consentId, String(granted.body['receiptId']));
    expect(receipt).toMatchObject({
      piiPrincipalId: ANNA,
      recordId: consentId,
      event: { eventType: 'given' },
      piiControllers: [{ piiControllerId: 'ccss' }],
    });

    const first = await decide(['personal-space.bank-account', 'persons.sex']);
    expect(first).toMatchObject({
      status: 200,
      body: {
        decision: 'permit',
        categories: ['personal-space.bank-account'],
        deniedCategories: ['persons.sex'],
        basis: 'consent',
        consentId,
        useNumber: 1,
      },
    });
    const seen = await call(primary, 'GET', `/consents/${consentId}`, citizen);
    expect(seen.body).toMatchObject({ uses: 1, status: 'ACTIVE' });
    expect(seen.body['lastUseAt']).toBe(first.body['decidedAt']);

    // The permit is on the internal topic, in the artefact's stream, as AccessPermitted.
    const stream = `consent-${consentId}`;
    let permits: ReturnType<typeof decodeEventEnvelope>[] = [];
    await waitFor('the permit on consent.events.v1', async () => {
      permits = (await readTopicUntilSentinels(kafka, `${source}.${topic}`, [stream], (m) => m))
        .filter((r) => r.message.key === stream)
        .filter((r) => r.message.headers[EVENT_TYPE_HEADER] === 'gov.consent.v1.AccessPermitted')
        .map((r) => decodeEventEnvelope(r.message.value));
      return permits.length === 1;
    });
    const permit = fromBinary(AccessPermittedSchema, permits[0]?.payload ?? new Uint8Array());
    expect(permit).toMatchObject({
      decisionId: first.body['decisionId'],
      subjectNationalId: ANNA,
      organisationId: 'ccss',
      actorId: 'svc-ccss',
      categories: ['personal-space.bank-account'],
      basis: { case: 'consentId', value: consentId },
      useNumber: 1,
      accessRecordedBy: '',
    });

    expect((await call(primary, 'POST', `/consents/${consentId}/pause`, citizen)).status).toBe(200);
    expect((await decide()).body).toMatchObject({ decision: 'deny', code: 'NO_BASIS' });
    expect((await call(primary, 'POST', `/consents/${consentId}/resume`, citizen)).status).toBe(
      200,
    );
    expect((await decide()).body).toMatchObject({
      decision: 'permit',
      basis: 'consent',
      useNumber: 2,
    });
    const revoked = await call(primary, 'POST', `/consents/${consentId}/revoke`, citizen);
    expect(revoked.body).toMatchObject({ status: 'REVOKED' });
    expect((await decide()).body).toMatchObject({ decision: 'deny' });
    expect(await verifiedReceipt(consentId, String(revoked.body['receiptId']))).toMatchObject({
      event: { eventType: 'withdrawn' },
      consentStatus: 'withdrawn',
    });
    const receipts = await call(primary, 'GET', `/consents/${consentId}/receipts`, citizen);
    expect((receipts.body['items'] as unknown[]).length).toBe(2);
  });

  it('changes terms as a new artefact and decides on legal bases, covert ones sealed', async () => {
    const first = await grant();
    const firstId = String(first.body['consentId']);
    const changed = await call(primary, 'POST', `/consents/${firstId}/change`, citizen, {
      organisationId: 'ccss',
      categories: ['personal-space.bank-account'],
      purpose: 'family-allowance-payment-account',
      validUntil: new Date(Date.now() + 24 * 3600_000).toISOString(),
    });
    expect(changed).toMatchObject({ status: 201, body: { supersedes: firstId, status: 'ACTIVE' } });
    expect((await call(primary, 'GET', `/consents/${firstId}`, citizen)).body).toMatchObject({
      status: 'SUPERSEDED',
      supersededBy: changed.body['consentId'],
    });

    const subset = await call(primary, 'POST', '/decisions', ccss, {
      subject: LUC,
      categories: ['persons.address', 'persons.sex'],
      purpose: 'family-allowance-eligibility',
    });
    expect(subset.body).toMatchObject({
      decision: 'permit',
      categories: ['persons.address'],
      deniedCategories: ['persons.sex'],
      basis: 'legal-basis',
      legalBasisId: 'ccss-family-allowances',
      sealedUntil: null,
    });
    const police = await token({ role: 'agency', subject: 'svc-police', organisationId: 'police' });
    const covert = await call(primary, 'POST', '/decisions', police, {
      subject: LUC,
      categories: ['persons.address'],
      purpose: 'criminal-investigation',
    });
    expect(covert.body).toMatchObject({ decision: 'permit', basis: 'legal-basis' });
    const uses = async (bearer: string) =>
      (
        (await call(primary, 'GET', `/persons/${LUC}/consent-export`, bearer)).body[
          'legalBasisUses'
        ] as { organisationId: string }[]
      ).map((u) => u.organisationId);
    expect(await uses(other)).toEqual(['ccss']);
    expect(await uses(dpo)).toEqual(['ccss', 'police']);
  });

  it('keeps the Yes/No to prefilling and answers procedures', async () => {
    const put = (path: string, preference: string) =>
      call(primary, 'PUT', `/prefill-preferences/sources/${path}`, citizen, { preference });
    expect((await put('persons', 'NEVER')).body).toMatchObject({ changed: true });
    expect((await put('persons', 'NEVER')).body).toMatchObject({ changed: false });
    expect((await put('persons/procedures/allocation-familiale', 'ALLOW')).status).toBe(200);
    const ask = async (procedure: string) =>
      (
        await call(
          primary,
          'GET',
          `/prefill-preferences/${ANNA}?source=persons&procedure=${procedure}`,
          ccss,
        )
      ).body;
    expect(await ask('allocation-familiale')).toMatchObject({ prefill: true, rule: 'procedure' });
    expect(await ask('other')).toMatchObject({ prefill: false, rule: 'source' });
    const cleared = await call(
      primary,
      'DELETE',
      '/prefill-preferences/sources/persons/procedures/allocation-familiale',
      citizen,
    );
    expect(cleared.body).toMatchObject({ changed: true });
    expect(await ask('allocation-familiale')).toMatchObject({ prefill: false, rule: 'source' });
    const own = await call(primary, 'GET', '/prefill-preferences', citizen);
    expect(own.body['items']).toEqual([
      expect.objectContaining({ source: 'persons', procedureId: null, preference: 'NEVER' }),
    ]);
    expect((await put('registers', 'NEVER')).status).toBe(400);
    expect(
      (await call(primary, 'GET', `/prefill-preferences/${ANNA}?source=persons`, other)).status,
    ).toBe(403);
  });

  it('lets each role read what it may', async () => {
    expect((await call(primary, 'GET', `/consents/${consentId}`, ccss)).status).toBe(200);
    expect((await call(primary, 'GET', `/consents/${consentId}`, acd)).status).toBe(403);
    expect((await call(primary, 'GET', `/consents/${consentId}`, other)).status).toBe(403);
    expect((await call(primary, 'GET', `/consents/${consentId}`, dpo)).status).toBe(200);
    const listed = await call(primary, 'GET', `/consents?subject=${ANNA}`, dpo);
    expect((listed.body['items'] as { consentId: string }[]).map((c) => c.consentId)).toContain(
      consentId,
    );
    const exported = await call(primary, 'GET', `/persons/${ANNA}/consent-export`, citizen);
    expect(exported.status).toBe(200);
    const entry = (
      exported.body['consents'] as { consent: { consentId: string }; uses: unknown[] }[]
    ).find((c) => c.consent.consentId === consentId);
    expect(entry?.uses).toHaveLength(2);
    expect((await call(primary, 'GET', `/persons/${ANNA}/consent-export`, other)).status).toBe(403);
    expect((await call(primary, 'POST', '/decisions', citizen, {})).status).toBe(403);
  });

  it('answers bad input with a clear 4xx problem and changes nothing', async () => {
    const events = async () => {
      const client = new Client({ connectionString: primary.database.url });
      await client.connect();
      try {
        const { rows } = await client.query<{ n: string }>(
          'SELECT count(*) AS n FROM consent.events',
        );
        return Number(rows[0]?.n);
      } finally {
        await client.end();
      }
    };
    const before = await events();
    const answers = [
      await call(primary, 'POST', '/consents', citizen, '{"organisationId":', {}),
      await call(primary, 'POST', '/consents', citizen, {
        organisationId: 'ccss',
        categories: ['persons.address'],
        purpose: 'x'.repeat(2_000_000),
        validUntil: '2030-01-01T00:00:00Z',
      }),
      await call(primary, 'POST', `/consents/${randomUUID()}/revoke`, citizen),
      await call(primary, 'POST', '/consents/not-a-uuid/revoke', citizen),
      await grant({ subject: LUC }),
      await call(primary, 'POST', `/consents/${consentId}/revoke`, other),
      await grant({ validFrom: '2031-01-01T00:00:00Z', validUntil: '2030-01-01T00:00:00Z' }),
      await grant({ categories: ['persons.shoe_size'] }),
      await grant({ organisationId: 'nobody' }),
    ];
    expect(answers.map((a) => a.status)).toEqual([400, 413, 404, 400, 403, 403, 400, 400, 400]);
    for (const answer of answers) {
      expect(answer.type).toMatch(/^application\/problem\+json/);
    }
    expect(answers[6]?.body).toMatchObject({ errors: [{ field: 'validUntil' }] });
    expect(answers[7]?.body).toMatchObject({ errors: [{ field: 'categories[0]' }] });
    expect(answers[8]?.body).toMatchObject({ errors: [{ field: 'organisationId' }] });
    expect(await events()).toBe(before);
  });

  it('expires a short consent by itself: EXPIRED at once, ConsentExpired recorded', async () => {
    const granted = await grant({ validUntil: new Date(Date.now() + 2_000).toISOString() });
    const shortId = String(granted.body['consentId']);
    await new Promise((resolve) => setTimeout(resolve, 2_100));
    expect((await call(primary, 'GET', `/consents/${shortId}`, citizen)).body['status']).toBe(
      'EXPIRED',
    );
    await waitFor('ConsentExpired in the log', async () => {
      const exported = await call(primary, 'GET', `/persons/${ANNA}/consent-export`, citizen);
      const entry = (
        exported.body['consents'] as {
          consent: { consentId: string };
          history: { eventType: string }[];
        }[]
      ).find((c) => c.consent.consentId === shortId);
      return entry?.history.some((h) => h.eventType === 'gov.consent.v1.ConsentExpired') === true;
    });
  });

  it('replays on a replica to the same log and read-model digests', async () => {
    const embassy = await startSite({
      SITE_ROLE: 'embassy',
      EVENTS_TOPIC: topic,
      REPLICATION_SOURCE: source,
      REPLICATION_GROUP: uniqueName('consent.replica'),
    });
    const position = await head(primary);
    type Digest = {
      position: string;
      digest: string;
      projections: Record<string, { position: string; digest: string; rows: number }>;
    };
    const digest = async (site: Site) =>
      (await call(site, 'GET', `/replication/digest?position=${position}`, operator))
        .body as unknown as Digest;
    const caughtUp = async (site: Site) => {
      const answer = await digest(site);
      return (
        answer.position === position &&
        Object.values(answer.projections).every((p) => p.position === position)
      );
    };
    await waitFor(
      'both sites’ read models at the primary’s head',
      async () => (await caughtUp(embassy)) && (await caughtUp(primary)),
    );
    const [p, e] = [await digest(primary), await digest(embassy)];
    expect(e.digest).toBe(p.digest);
    expect(e.projections).toEqual(p.projections);
    expect(Object.values(p.projections)[0]?.rows).toBeGreaterThan(0);
    const onEmbassy = await call(embassy, 'GET', `/consents/${consentId}`, citizen);
    expect(onEmbassy.body).toMatchObject({ uses: 2, status: 'REVOKED' });
    expect(
      (
        await call(embassy, 'POST', '/decisions', ccss, {
          subject: ANNA,
          categories: ['persons.address'],
          purpose: 'family-allowance-eligibility',
        })
      ).status,
    ).toBe(503);
  });
});
