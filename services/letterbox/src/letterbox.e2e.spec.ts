// The letterbox as a process over real Kafka and PostgreSQL: an agency delivers, the citizen
// lists, opens (READ) and confirms receipt, the sender sees each state; bad input gets a 4xx
// problem and changes nothing; a replica on a second database replays the log to the same
// digests and refuses writes. Beside it a real registry process says who manages a business:
// its managers read the business's letters, nobody else does, a removed manager loses access
// after the cache period, and a registry that is gone means 503, not access. A delivery agent
// delivers on behalf of a back office; another agency may not.
import { createHash, randomUUID } from 'node:crypto';

import type { INestApplicationContext } from '@nestjs/common';
import { Client } from 'pg';

import type { TokenRequest } from '@gov/platform-auth';
import { ServicesUnderTest, callJson } from '@gov/platform-e2e-testing';
import { startTestMessaging } from '@gov/platform-messaging-testing';
import { uniqueName, waitFor } from '@gov/platform-testing';
import type { ServiceProcess, TestDatabase } from '@gov/platform-testing';

const ANNA = '1983081246785';
const LUC = '1990013100012';
const MARC = '1990013101277';
/** The letterbox's cache period of the registry's answers in this test. */
const MANAGERS_TTL_MS = 1_000;
const MIB = 1024 * 1024;

interface Site {
  readonly database: TestDatabase;
  readonly service: ServiceProcess;
  readonly baseUrl: string;
}

/** A PDF-signed document of `size` bytes, distinct per call. */
function pdf(size = 2048): Buffer {
  const bytes = Buffer.alloc(size, 0x20);
  bytes.write(`%PDF-1.7\n% ${randomUUID()}\n`);
  return bytes;
}

describe('letterbox service', () => {
  let services: ServicesUnderTest;
  let kafka: INestApplicationContext;
  const topic = uniqueName('letterbox.events.v1');
  const documentsTopic = uniqueName('letterbox.documents.v1');
  const source = uniqueName('primary');
  let primary: Site;
  let registry: Site;
  let anna: string;
  let marc: string;
  let registrar: string;
  let procedures: string;
  let cae: string;
  let luc: string;
  let ccss: string;
  let acd: string;
  let operator: string;

  const token = (request: Omit<TokenRequest, 'issuer' | 'audience'>): Promise<string> =>
    services.token(request);

  async function startSite(
    extra: Record<string, string>,
    name: 'letterbox' | 'registry' = 'letterbox',
  ): Promise<Site> {
    const started = await services.start(name, extra);
    if (started.database === undefined) throw new Error(`${name} has no database`);
    return { database: started.database, service: started.process, baseUrl: started.url };
  }

  const call = (
    site: Site,
    method: string,
    path: string,
    bearer: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ) => callJson(`${site.baseUrl}${path}`, method, bearer, body, headers);

  const letter = (content: Buffer, overrides: Record<string, unknown> = {}) => ({
    recipient: { kind: 'person', id: ANNA },
    subject: 'Décision: allocation familiale',
    procedureId: 'proc-e2e',
    contentType: 'application/pdf',
    content: content.toString('base64'),
    retentionDays: 3650,
    receiptRequested: true,
    ...overrides,
  });

  async function events(site: Site): Promise<number> {
    const client = new Client({ connectionString: site.database.url });
    await client.connect();
    try {
      const { rows } = await client.query<{ n: string }>(
        `SELECT (SELECT count(*) FROM letterbox.events) +
                (SELECT count(*) FROM letterbox_app.contents) AS n`,
      );
      return Number(rows[0]?.n);
    } finally {
      await client.end();
    }
  }

  beforeAll(async () => {
    services = await ServicesUnderTest.create('letterbox-e2e');
    anna = await token({ role: 'citizen', subject: ANNA });
    luc = await token({ role: 'citizen', subject: LUC });
    marc = await token({ role: 'citizen', subject: MARC });
    registrar = await token({
      role: 'registrar',
      subject: 'clerk-2',
      registers: ['businesses'],
      organisationId: 'lbr',
    });
    procedures = await token({
      role: 'agency',
      subject: 'procedures',
      organisationId: 'procedures',
    });
    cae = await token({ role: 'agency', subject: 'svc-cae', organisationId: 'cae' });
    ccss = await token({ role: 'agency', subject: 'svc-ccss', organisationId: 'ccss' });
    acd = await token({ role: 'agency', subject: 'svc-acd', organisationId: 'acd' });
    operator = await token({ role: 'operator', subject: 'ops-1' });
    kafka = await startTestMessaging('letterbox-e2e');
    registry = await startSite({ EVENTS_TOPIC: uniqueName('registry.events.v1') }, 'registry');
    // The primary publishes where MirrorMaker 2 would put the mirror on the embassy's cluster
    // (one cluster here): the replica reads <source>.<topic> for both topics.
    primary = await startSite({
      EVENTS_TOPIC: `${source}.${topic}`,
      DOCUMENTS_TOPIC: `${source}.${documentsTopic}`,
      REGISTRY_URL: registry.baseUrl,
      LETTERBOX_SIGNING_KEY_FILE: services.keys.privateKeyFile,
      REGISTRY_MANAGERS_TTL_MS: String(MANAGERS_TTL_MS),
    });
  });

  afterAll(async () => {
    await kafka.close();
    await services.stop();
  });

  let letterId: string;
  let bigLetterId: string;
  let bigContent: Buffer;

  it('delivers; the citizen lists, opens and confirms; the sender sees each state', async () => {
    const content = pdf();
    const delivered = await call(primary, 'POST', '/letters', ccss, letter(content));
    expect(delivered).toMatchObject({
      status: 201,
      body: { state: 'AVAILABLE', sha256: createHash('sha256').update(content).digest('hex') },
    });
    letterId = String(delivered.body['letterId']);

    const box = await call(primary, 'GET', '/letters', anna);
    expect(box.body['items']).toEqual([
      expect.objectContaining({ letterId, state: 'AVAILABLE', sender: 'ccss' }),
    ]);
    expect((await call(primary, 'GET', '/letters', luc)).body['items']).toEqual([]);

    const opened = await fetch(`${primary.baseUrl}/letters/${letterId}/content`, {
      headers: { authorization: `Bearer ${anna}` },
    });
    expect(opened.status).toBe(200);
    expect(opened.headers.get('content-type')).toBe('application/pdf');
    expect(Buffer.from(await opened.arrayBuffer()).equals(content)).toBe(true);
    expect((await call(primary, 'GET', `/letters/${letterId}`, anna)).body['state']).toBe('READ');

    const confirmed = await call(primary, 'POST', `/letters/${letterId}/receipt`, anna);
    expect(confirmed).toMatchObject({ status: 200, body: { state: 'RECEIPT_CONFIRMED' } });
    const sent = await call(primary, 'GET', '/sent', ccss);
    expect(sent.body['items']).toEqual([
      expect.objectContaining({
        letterId,
        state: 'RECEIPT_CONFIRMED',
        readAt: expect.any(String) as string,
        receiptConfirmedAt: expect.any(String) as string,
      }),
    ]);
    expect((await call(primary, 'GET', '/sent', acd)).body['items']).toEqual([]);
    // A procedure's letters, as its timeline lists them.
    const ofProcedure = await call(primary, 'GET', '/sent?procedureId=proc-e2e', ccss);
    expect(ofProcedure.body['items']).toEqual([expect.objectContaining({ letterId })]);
    expect((await call(primary, 'GET', '/letters?procedureId=other', anna)).body['items']).toEqual(
      [],
    );
  });

  it('takes a 10 MiB document through the route’s own body limit', async () => {
    const content = pdf(10 * MIB);
    const delivered = await call(primary, 'POST', '/letters', ccss, letter(content));
    expect(delivered.status).toBe(201);
    [bigLetterId, bigContent] = [String(delivered.body['letterId']), content];
    const opened = await fetch(
      `${primary.baseUrl}/letters/${String(delivered.body['letterId'])}/content`,
      { headers: { authorization: `Bearer ${anna}` } },
    );
    expect(Buffer.from(await opened.arrayBuffer()).equals(content)).toBe(true);
  });

  it('answers bad input with a 4xx problem and changes nothing', async () => {
    const before = await events(primary);
    const png = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13]);
    const answers = [
      await call(primary, 'POST', '/letters', ccss, letter(pdf(10 * MIB + 1))),
      await call(primary, 'POST', '/letters', ccss, letter(pdf(), { contentType: 'text/html' })),
      await call(primary, 'POST', '/letters', ccss, letter(png)),
      await call(primary, 'POST', '/letters', ccss, '{"recipient":', {}),
      await call(primary, 'POST', '/letters', ccss, letter(pdf(), { content: 'not base64!' })),
      await call(primary, 'POST', '/letters', ccss, letter(pdf(), { retentionDays: 0 })),
      await call(primary, 'POST', '/letters', anna, letter(pdf())),
      await call(primary, 'GET', `/letters/${letterId}/content`, luc),
      await call(primary, 'GET', `/letters/${letterId}`, acd),
      await call(primary, 'GET', `/letters/${randomUUID()}/content`, anna),
      await call(primary, 'GET', '/letters/not-a-uuid', anna),
      await call(primary, 'GET', '/letters?sender=ccss', anna),
      await call(primary, 'POST', `/letters/${letterId}/receipt`, luc),
      await call(primary, 'POST', '/letters', ccss, letter(pdf()), { 'idempotency-key': '' }),
      // Another route keeps the chassis' 1 MiB (a body past the delivery route's own limit is
      // refused before it is read: the client sees the connection closed, not an answer).
      await call(primary, 'POST', `/letters/${letterId}/receipt`, anna, {
        pad: 'x'.repeat(2 * MIB),
      }),
    ];
    expect(answers.map((a) => a.status)).toEqual([
      413, 415, 422, 400, 400, 400, 403, 404, 404, 404, 400, 400, 404, 400, 413,
    ]);
    for (const answer of answers) {
      expect(answer.type).toMatch(/^application\/problem\+json/);
    }
    expect(answers[2]?.body).toMatchObject({ code: 'CONTENT_MISMATCH' });
    expect(answers[5]?.body).toMatchObject({ errors: [{ field: 'retentionDays' }] });
    expect(await events(primary)).toBe(before);
  });

  it('replays on a replica to the same digests, documents included; serves them once promoted', async () => {
    const embassy = await startSite({
      SITE_ROLE: 'embassy',
      EVENTS_TOPIC: topic,
      DOCUMENTS_TOPIC: documentsTopic,
      REPLICATION_SOURCE: source,
      REPLICATION_GROUP: uniqueName('letterbox.replica'),
    });
    const position = String(
      (await call(primary, 'GET', '/replication/status', operator)).body['head'],
    );
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
    expect(p.projections['letterbox.letters']?.rows).toBe(2);
    // A person's subject line opens once the keys topic brought their key (503 until then).
    await waitFor(
      'the embassy holds the recipient’s key',
      async () => (await call(embassy, 'GET', `/letters/${letterId}`, anna)).status !== 503,
    );
    expect((await call(embassy, 'GET', `/letters/${letterId}`, anna)).body).toMatchObject({
      state: 'RECEIPT_CONFIRMED',
      subject: 'Décision: allocation familiale',
    });
    expect((await call(embassy, 'POST', '/letters', ccss, letter(pdf()))).status).toBe(503);

    // The bytes came through the documents topic, each verified by hash on arrival.
    const documents = (site: Site) => call(site, 'GET', '/documents/digest', operator);
    await waitFor('the embassy holds every document', async () => {
      const answer = await documents(embassy);
      return answer.body['missing'] === 0;
    });
    const [onPrimary, onEmbassy] = [await documents(primary), await documents(embassy)];
    expect(onEmbassy.body).toEqual(onPrimary.body);
    expect(onEmbassy.body).toMatchObject({ documents: 2, missing: 0 });

    const promoted = await call(embassy, 'POST', '/replication/promote', operator, {
      reason: 'e2e',
    });
    expect(promoted).toMatchObject({ status: 200, body: { role: 'primary' } });
    const opened = await fetch(`${embassy.baseUrl}/letters/${bigLetterId}/content`, {
      headers: { authorization: `Bearer ${anna}` },
    });
    expect(opened.status).toBe(200);
    expect(opened.headers.get('x-content-sha256')).toBe(
      createHash('sha256').update(bigContent).digest('hex'),
    );
    expect(Buffer.from(await opened.arrayBuffer()).equals(bigContent)).toBe(true);
    expect((await call(embassy, 'GET', `/letters/${bigLetterId}`, anna)).body['state']).toBe(
      'READ',
    );
  });

  it('shows a business’s letters to its managers as the registry names them, and to no one else', async () => {
    const registered = await call(registry, 'POST', '/businesses', registrar, {
      name: 'Moselle Logistics',
      legalForm: 'SARL',
      registeredAddress: {
        street: 'Boulevard Royal',
        houseNumber: '12A',
        postcode: '2449',
        locality: 'Luxembourg',
        country: 'LU',
      },
      managers: [{ nationalId: MARC, role: 'manager' }],
    });
    expect(registered.status).toBe(201);
    const business = String(registered.body['businessNumber']);
    const content = pdf();
    const delivered = await call(
      primary,
      'POST',
      '/letters',
      ccss,
      letter(content, { recipient: { kind: 'business', id: business }, procedureId: 'proc-b' }),
    );
    expect(delivered.status).toBe(201);
    const id = String(delivered.body['letterId']);

    const box = await call(primary, 'GET', '/letters?procedureId=proc-b', marc);
    expect(box.body).toEqual({
      items: [
        expect.objectContaining({
          letterId: id,
          recipient: { kind: 'business', id: business },
          sender: 'ccss',
        }),
      ],
      businessLetters: 'included',
    });
    expect((await call(primary, 'GET', '/letters?procedureId=proc-b', anna)).body).toEqual({
      items: [],
      businessLetters: 'included',
    });
    const opened = await fetch(`${primary.baseUrl}/letters/${id}/content`, {
      headers: { authorization: `Bearer ${marc}` },
    });
    expect(opened.status).toBe(200);
    expect(Buffer.from(await opened.arrayBuffer()).equals(content)).toBe(true);
    const refused = [
      await call(primary, 'GET', `/letters/${id}/content`, anna),
      await call(primary, 'GET', `/letters/${id}`, anna),
      await call(primary, 'POST', `/letters/${id}/receipt`, anna),
    ];
    expect(refused.map((a) => [a.status, a.type])).toEqual(
      Array(3).fill([404, expect.stringMatching(/^application\/problem\+json/) as string]),
    );
    expect(await call(primary, 'POST', `/letters/${id}/receipt`, marc)).toMatchObject({
      status: 200,
      body: { state: 'RECEIPT_CONFIRMED' },
    });

    // The registrar replaces Marc by Anna: past the cache period the letter changes hands.
    const changed = await call(registry, 'PUT', `/businesses/${business}/managers`, registrar, {
      managers: [{ nationalId: ANNA, role: 'managing-director' }],
    });
    expect(changed.status).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, MANAGERS_TTL_MS + 100));
    expect((await call(primary, 'GET', `/letters/${id}`, marc)).status).toBe(404);
    expect((await call(primary, 'GET', `/letters/${id}`, anna)).status).toBe(200);

    // A registry that is gone: the business's letter is 503 for everyone, the box says so.
    registry.service.signal('SIGTERM');
    await registry.service.exit(15_000);
    await new Promise((resolve) => setTimeout(resolve, MANAGERS_TTL_MS + 100));
    const down = await call(primary, 'GET', `/letters/${id}/content`, anna);
    expect(down.status).toBe(503);
    expect(down.type).toMatch(/^application\/problem\+json/);
    expect((await call(primary, 'GET', '/letters?procedureId=proc-b', anna)).body).toEqual({
      items: [],
      businessLetters: 'unavailable',
    });
    // A person's letter does not depend on the registry.
    expect((await call(primary, 'GET', `/letters/${letterId}`, anna)).status).toBe(200);
  });

  it('takes a delivery on behalf of a back office from a delivery agent only', async () => {
    const delivered = await call(
      primary,
      'POST',
      '/letters',
      procedures,
      letter(pdf(), { onBehalfOf: 'cae', procedureId: 'case-e2e' }),
    );
    expect(delivered.status).toBe(201);
    const id = String(delivered.body['letterId']);
    expect((await call(primary, 'GET', '/sent?procedureId=case-e2e', cae)).body['items']).toEqual([
      expect.objectContaining({ letterId: id, sender: 'cae', deliveredBy: 'procedures' }),
    ]);
    expect(
      (await call(primary, 'GET', '/sent?procedureId=case-e2e', procedures)).body['items'],
    ).toEqual([]);
    expect((await call(primary, 'GET', `/letters/${id}`, anna)).body).toMatchObject({
      sender: 'cae',
      deliveredBy: 'procedures',
    });

    const before = await events(primary);
    const refused = await call(
      primary,
      'POST',
      '/letters',
      acd,
      letter(pdf(), { onBehalfOf: 'cae' }),
    );
    expect(refused).toMatchObject({ status: 403, body: { code: 'NOT_A_DELIVERY_AGENT' } });
    expect(refused.type).toMatch(/^application\/problem\+json/);
    expect(await events(primary)).toBe(before);
  });
});
