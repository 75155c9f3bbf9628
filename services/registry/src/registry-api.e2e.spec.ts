import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { Logger } from '@nestjs/common';
import type { INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';

import { ensureLocalSigningKeys, mintToken } from '@gov/platform-auth';
import type { LocalSigningKeys, TokenRequest } from '@gov/platform-auth';
import { EVENT_TYPE_HEADER, decodeEventEnvelope } from '@gov/platform-event-sourcing';
import type { PositionedEvent } from '@gov/platform-event-sourcing';
import { ConsumerGroupFactory, MessagingModule } from '@gov/platform-messaging';
import { createTestDatabase, testInfra, testKafkaEnv, uniqueName } from '@gov/platform-testing';
import type { TestDatabase } from '@gov/platform-testing';
import { NO_PERSONAL_DATA, accessEventsCodec } from '@gov/registry-application';
import { composeNationalId } from '@gov/registry-domain';

import { REGISTRY_EVENTS_TOPIC } from './registry.config';
import { RegistryProcess, freePort, runTool, waitUntilOk } from './testing/registry-process';

const ISSUER = 'registry-api-e2e';
const AUDIENCE = 'backbone';
/** Correlation ids of this run's requests start with it: the topic is shared with other runs. */
const RUN = uniqueName('e2e');
const CLERK_NATIONAL_ID = composeNationalId('1975-06-03', 5);
/** A person who manages nothing. */
const OTHER_PERSON = composeNationalId('1962-02-02', 7);
/** A birth date of this run's own, so that its national ids are new to the shared topic. */
const BIRTH_DATE = `19${String(30 + Math.floor(Math.random() * 60))}-0${String(
  1 + Math.floor(Math.random() * 9),
)}-1${String(Math.floor(Math.random() * 9))}`;

const LUXEMBOURG = {
  street: 'Boulevard Royal',
  houseNumber: '12A',
  postcode: 'L-2449',
  locality: 'Luxembourg',
  country: 'LU',
};
const ESCH = {
  street: "Rue de l'Alzette",
  houseNumber: '7',
  postcode: '4011',
  locality: 'Esch-sur-Alzette',
  country: 'LU',
};

interface Answer {
  readonly status: number;
  readonly headers: Headers;
  readonly body: Record<string, unknown>;
}

let requests = 0;

/** One HTTP request to the registry, with this run's correlation id. */
async function call(
  baseUrl: string,
  method: string,
  path: string,
  options: {
    readonly token?: string;
    readonly body?: unknown;
    readonly rawBody?: string;
    readonly headers?: Record<string, string>;
    readonly tag?: string;
  } = {},
): Promise<Answer> {
  requests += 1;
  const headers: Record<string, string> = {
    'x-request-id': `${RUN}-${options.tag ?? 'ok'}-${String(requests)}`,
    ...options.headers,
  };
  if (options.token !== undefined) headers['authorization'] = `Bearer ${options.token}`;
  let body: string | undefined = options.rawBody;
  if (options.body !== undefined) {
    body = JSON.stringify(options.body);
    headers['content-type'] ??= 'application/json';
  }
  const response = await fetch(`${baseUrl}${path}`, { method, headers, body });
  const text = await response.text();
  return {
    status: response.status,
    headers: response.headers,
    body: text === '' ? {} : (JSON.parse(text) as Record<string, unknown>),
  };
}

/** Polls until `condition` holds; fails naming `what` after `timeoutMs`. */
async function eventually(what: string, condition: () => boolean, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('registry HTTP API, end to end over Kafka and PostgreSQL', () => {
  let database: TestDatabase;
  let keysDir: string;
  let keys: LocalSigningKeys;
  let registry: RegistryProcess;
  let baseUrl: string;
  let kafka: INestApplicationContext;
  const published: (PositionedEvent & {
    readonly key: string | null;
    readonly typeHeader: string;
  })[] = [];

  const token = (request: Omit<TokenRequest, 'issuer' | 'audience'>): Promise<string> =>
    mintToken(keys.privateKeyFile, { issuer: ISSUER, audience: AUDIENCE, ...request });
  let registrar: string;
  let businessRegistrar: string;
  let agency: string;
  let citizen: (nationalId: string) => Promise<string>;

  // What the steps create, for the steps after them.
  let nationalId: string;
  let businessNumber: string;
  let correctionId: string;
  let beforeRegistration: string;
  let beforeMove: string;

  const api = (method: string, path: string, options: Parameters<typeof call>[3] = {}) =>
    call(baseUrl, method, path, options);

  const ours = () => published.filter((event) => event.correlationId.startsWith(RUN));

  beforeAll(async () => {
    database = await createTestDatabase('registry_api_e2e');
    keysDir = mkdtempSync(join(tmpdir(), 'registry-api-e2e-'));
    keys = await ensureLocalSigningKeys(keysDir);
    registrar = await token({
      role: 'registrar',
      subject: 'clerk-1',
      registers: ['persons', 'businesses'],
      organisationId: 'rnpp',
    });
    businessRegistrar = await token({
      role: 'registrar',
      subject: 'clerk-2',
      registers: ['businesses'],
      organisationId: 'lbr',
    });
    agency = await token({ role: 'agency', subject: 'svc-ccss', organisationId: 'ccss' });
    citizen = (subject) => token({ role: 'citizen', subject });

    const env = { DATABASE_URL: database.url };
    expect(runTool('migrate', env).status).toBe(0);
    expect(runTool('enrol-registrar', env, ['clerk-1', CLERK_NATIONAL_ID]).status).toBe(0);

    const port = await freePort();
    baseUrl = `http://127.0.0.1:${port}`;
    registry = new RegistryProcess({
      ...env,
      HTTP_PORT: String(port),
      ...testKafkaEnv(),
      AUTH_JWKS_FILE: keys.jwksFile,
      DATA_KEK_FILE: keys.keyEncryptionKeyFile,
      AUTH_ISSUER: ISSUER,
      AUTH_AUDIENCE: AUDIENCE,
      LOG_LEVEL: 'warn',
    });
    await waitUntilOk(`${baseUrl}/health/ready`, registry, 90_000);

    // The service created the topic at start; read it from the beginning as any consumer would.
    Logger.overrideLogger(['error', 'warn']);
    kafka = await NestFactory.createApplicationContext(
      MessagingModule.forRoot({
        clientId: uniqueName('registry-api-e2e'),
        brokers: testInfra().kafkaBrokers,
        sasl: testInfra().kafkaSasl,
      }),
    );
    await kafka
      .get(ConsumerGroupFactory)
      .create({
        groupId: uniqueName('registry-api-e2e'),
        topics: [REGISTRY_EVENTS_TOPIC],
        fromBeginning: true,
        handler: (message) => {
          // The run's cluster is shared: a record another test wrote that is no envelope is
          // not this spec's (its own events are found by their correlation ids below).
          let envelope;
          try {
            envelope = decodeEventEnvelope(message.value);
          } catch {
            return Promise.resolve();
          }
          published.push({
            ...envelope,
            key: message.key,
            typeHeader: message.headers[EVENT_TYPE_HEADER] ?? '',
          });
          return Promise.resolve();
        },
      })
      .start();
  });

  afterAll(async () => {
    await kafka.close();
    registry.signal('SIGTERM');
    await registry.exit(15_000).catch(() => {
      registry.signal('SIGKILL');
    });
    await database.drop();
    rmSync(keysDir, { recursive: true, force: true });
  });

  it('registers a person, assigning the national identification number', async () => {
    beforeRegistration = new Date().toISOString();
    await new Promise((resolve) => setTimeout(resolve, 20));
    const body = {
      givenNames: 'Anna Maria',
      familyName: 'Schmit',
      birthDate: BIRTH_DATE,
      placeOfBirth: { locality: 'Ettelbruck', country: 'LU' },
      sex: 'F',
      nationalities: ['LU', 'PT'],
      address: LUXEMBOURG,
      civilStatus: 'single',
    };
    const key = randomUUID();

    const created = await api('POST', '/persons', {
      token: registrar,
      body,
      headers: { 'idempotency-key': key },
    });

    expect(created.status).toBe(201);
    nationalId = String(created.body['nationalId']);
    expect(created.body).toEqual({ nationalId, version: 1, changed: true });
    expect(nationalId).toBe(composeNationalId(BIRTH_DATE, 0));
    expect(created.headers.get('location')).toBe(`/persons/${nationalId}`);
    expect(created.headers.get('etag')).toBe('"1"');

    // A retry with the same key answers the same and records nothing more.
    const retried = await api('POST', '/persons', {
      token: registrar,
      body,
      headers: { 'idempotency-key': key },
      tag: 'retry',
    });
    expect(retried.status).toBe(201);
    expect(retried.body).toEqual(created.body);
    expect(retried.headers.get('location')).toBe(`/persons/${nationalId}`);
    expect(retried.headers.get('idempotent-replayed')).toBe('true');

    // The same key for another request is refused.
    const reused = await api('POST', '/persons', {
      token: registrar,
      body: { ...body, givenNames: 'Ben' },
      headers: { 'idempotency-key': key },
      tag: 'bad',
    });
    expect(reused.status).toBe(409);
    expect(reused.body['code']).toBe('IDEMPOTENCY_KEY_REUSED');

    // A creation without a key is refused.
    const keyless = await api('POST', '/persons', { token: registrar, body, tag: 'bad' });
    expect(keyless.status).toBe(400);
    expect(keyless.body['errors']).toEqual([
      { field: 'Idempotency-Key', message: 'is required on this route' },
    ]);

    const history = await api('GET', `/persons/${nationalId}/history`, {
      token: await citizen(nationalId),
    });
    expect(history.body['version']).toBe(1);
  });

  it('registers a business managed by the person', async () => {
    const created = await api('POST', '/businesses', {
      token: businessRegistrar,
      body: {
        name: 'Moselle Logistics',
        legalForm: 'SARL',
        registeredAddress: LUXEMBOURG,
        managers: [{ nationalId, role: 'manager' }],
      },
      headers: { 'idempotency-key': randomUUID() },
    });

    expect(created.status).toBe(201);
    businessNumber = String(created.body['businessNumber']);
    expect(businessNumber).toMatch(/^B[1-9]\d*$/);
    expect(created.headers.get('location')).toBe(`/businesses/${businessNumber}`);
    const taxAgency = await token({ role: 'agency', subject: 'svc-acd', organisationId: 'acd' });
    const read = await api('GET', `/businesses/${businessNumber}`, {
      token: taxAgency,
      headers: { 'x-purpose': 'business-tax-assessment', 'x-legal-basis': 'acd-business-tax' },
    });
    expect(read.status).toBe(200);
    expect(read.body).toMatchObject({
      businessNumber,
      status: 'active',
      version: 1,
      managers: [{ nationalId, role: 'manager' }],
      registeredAddress: { postcode: '2449' },
    });
  });

  it('lists the business among the person’s own and lets them read it; no one else', async () => {
    const own = await citizen(nationalId);
    // The list comes from a read model of the log: it follows the registration within moments.
    let listed = await api('GET', `/persons/${nationalId}/businesses`, { token: own });
    for (
      let tries = 0;
      tries < 100 && JSON.stringify(listed.body).indexOf(businessNumber) < 0;
      tries++
    ) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      listed = await api('GET', `/persons/${nationalId}/businesses`, { token: own });
    }
    expect(listed.status).toBe(200);
    expect(listed.body).toEqual({
      nationalId,
      businesses: [
        {
          businessNumber,
          name: 'Moselle Logistics',
          legalForm: 'SARL',
          status: 'active',
          role: 'manager',
        },
      ],
    });
    const read = await api('GET', `/businesses/${businessNumber}`, { token: own });
    expect(read.status).toBe(200);
    expect(read.body).toMatchObject({
      businessNumber,
      managers: [{ nationalId, role: 'manager' }],
    });
    expect((await api('GET', `/businesses/${businessNumber}/history`, { token: own })).status).toBe(
      200,
    );

    const stranger = await citizen(OTHER_PERSON);
    expect((await api('GET', `/businesses/${businessNumber}`, { token: stranger })).status).toBe(
      403,
    );
    expect(
      (await api('GET', `/persons/${nationalId}/businesses`, { token: stranger })).status,
    ).toBe(403);
    expect(
      await api('GET', `/persons/${OTHER_PERSON}/businesses`, { token: stranger }),
    ).toMatchObject({ status: 200, body: { nationalId: OTHER_PERSON, businesses: [] } });
    expect(
      (await api('GET', `/persons/${nationalId}/businesses`, { token: businessRegistrar })).status,
    ).toBe(200);
    expect((await api('GET', `/persons/${nationalId}/businesses`, { token: agency })).status).toBe(
      403,
    );
  });

  it('changes the address with If-Match, and refuses a stale If-Match with 412', async () => {
    beforeMove = new Date().toISOString();
    await new Promise((resolve) => setTimeout(resolve, 20));

    const moved = await api('PUT', `/persons/${nationalId}/address`, {
      token: registrar,
      body: { address: ESCH },
      headers: { 'if-match': '"1"' },
    });
    expect(moved.status).toBe(200);
    expect(moved.body).toEqual({ nationalId, version: 2, changed: true });
    expect(moved.headers.get('etag')).toBe('"2"');

    const stale = await api('PUT', `/persons/${nationalId}/address`, {
      token: registrar,
      body: { address: LUXEMBOURG },
      headers: { 'if-match': '"1"' },
      tag: 'bad',
    });
    expect(stale.status).toBe(412);
    expect(stale.headers.get('content-type')).toBe('application/problem+json');
    expect(stale.body['currentVersion']).toBe(2);
  });

  it('reads the record now and as of before and after the move', async () => {
    const now = await api('GET', `/persons/${nationalId}`, { token: registrar });
    const beforeTheMove = await api('GET', `/persons/${nationalId}?asOf=${beforeMove}`, {
      token: registrar,
    });
    const beforeItExisted = await api(
      'GET',
      `/persons/${nationalId}?asOf=${encodeURIComponent(beforeRegistration)}`,
      { token: registrar },
    );

    expect(now.status).toBe(200);
    expect(now.headers.get('etag')).toBe('"2"');
    expect(now.body).toMatchObject({ version: 2, address: { locality: 'Esch-sur-Alzette' } });
    expect(beforeTheMove.body).toMatchObject({
      version: 1,
      address: { locality: 'Luxembourg', postcode: '2449' },
      givenNames: 'Anna Maria',
    });
    expect(beforeItExisted.status).toBe(404);
  });

  it('takes a citizen’s correction request, accepts it, and corrects the record', async () => {
    const self = await citizen(nationalId);
    const requested = await api('POST', '/corrections', {
      token: self,
      body: {
        target: {
          register: 'persons',
          recordId: nationalId,
          correction: { field: 'familyName', value: 'Schmidt' },
        },
        justification: 'My birth certificate spells my family name Schmidt.',
      },
      headers: { 'idempotency-key': randomUUID() },
    });
    expect(requested.status).toBe(201);
    correctionId = String(requested.body['correctionId']);
    expect(requested.body).toEqual({
      correctionId,
      status: 'REQUESTED',
      version: 1,
      changed: true,
    });

    const mine = await api('GET', '/corrections', { token: self });
    expect(mine.body['items']).toEqual([
      expect.objectContaining({ correctionId, status: 'REQUESTED', field: 'familyName' }),
    ]);

    const accepted = await api('POST', `/corrections/${correctionId}/accept`, {
      token: registrar,
    });
    expect(accepted.status).toBe(200);
    // Version 3: accepted, then communicated (to nobody: only the registrar had read the record,
    // and the register's keeper is no recipient).
    expect(accepted.body).toEqual({
      correctionId,
      status: 'ACCEPTED',
      version: 3,
      changed: true,
      record: { register: 'persons', recordId: nationalId, version: 3, changed: true },
    });

    const read = await api('GET', `/persons/${nationalId}`, { token: self });
    expect(read.body).toMatchObject({ familyName: 'Schmidt', version: 3 });
    const after = await api('GET', '/corrections', { token: self });
    expect(after.body['items']).toEqual([
      expect.objectContaining({ correctionId, status: 'ACCEPTED', appliedToRecord: true }),
    ]);
    const detail = await api('GET', `/corrections/${correctionId}`, { token: self });
    expect(detail.body).toMatchObject({
      status: 'ACCEPTED',
      decidedBy: 'clerk-1',
      value: 'Schmidt',
      communicatedTo: [],
    });
  });

  it('lists every change in the history, with who made it and why', async () => {
    const history = await api('GET', `/persons/${nationalId}/history`, {
      token: await citizen(nationalId),
    });

    expect(history.status).toBe(200);
    const entries = history.body['entries'] as Record<string, unknown>[];
    expect(entries.map((e) => [e['version'], e['eventType'], e['changedFields']])).toEqual([
      [
        1,
        'gov.registry.v1.PersonRegistered',
        [
          'givenNames',
          'familyName',
          'birthDate',
          'placeOfBirth',
          'sex',
          'nationalities',
          'address',
          'civilStatus',
        ],
      ],
      [2, 'gov.registry.v1.PersonAddressChanged', ['address']],
      [3, 'gov.registry.v1.PersonRecordCorrected', ['familyName']],
    ]);
    expect(entries[0]?.['actor']).toEqual({
      kind: 'registrar',
      id: 'clerk-1',
      organisationId: 'rnpp',
    });
    expect(entries[2]).toMatchObject({
      correctionId,
      changes: { familyName: 'Schmidt' },
      actor: { kind: 'registrar', id: 'clerk-1' },
      causationId: expect.any(String) as unknown,
    });
    expect(Date.parse(String(entries[1]?.['recordedAt']))).toBeGreaterThan(Date.parse(beforeMove));
  });

  it('answers 401, 403, 404 and 400 as the caller and the request deserve', async () => {
    const stranger = composeNationalId('1961-01-01', 1);
    const expectations: [Promise<Answer>, number][] = [
      [api('GET', `/persons/${nationalId}`, { tag: 'bad' }), 401],
      [api('GET', `/persons/${nationalId}`, { token: 'not.a.jwt', tag: 'bad' }), 401],
      [
        api('GET', `/persons/${nationalId}`, {
          token: await token({
            role: 'registrar',
            subject: 'clerk-1',
            registers: ['persons'],
            expiresIn: '-5m',
          }),
          tag: 'bad',
        }),
        401,
      ],
      [api('GET', `/persons/${nationalId}`, { token: await citizen(stranger), tag: 'bad' }), 403],
      [
        api('GET', `/persons/${nationalId}/history`, {
          token: await citizen(stranger),
          tag: 'bad',
        }),
        403,
      ],
      [api('GET', `/persons/${nationalId}`, { token: businessRegistrar, tag: 'bad' }), 403],
      [
        api('PUT', `/persons/${nationalId}/address`, {
          token: agency,
          body: { address: LUXEMBOURG },
          tag: 'bad',
        }),
        403,
      ],
      [
        api('POST', `/corrections/${correctionId}/reject`, {
          token: await citizen(nationalId),
          body: { reason: 'no' },
          tag: 'bad',
        }),
        403,
      ],
      [api('GET', `/persons/${nationalId}`, { token: agency, tag: 'bad' }), 400],
      [api('GET', `/persons/${stranger}`, { token: registrar, tag: 'bad' }), 404],
      [api('GET', `/persons/${nationalId}x`, { token: registrar, tag: 'bad' }), 400],
      [api('GET', `/corrections/${randomUUID()}`, { token: registrar, tag: 'bad' }), 404],
      [api('GET', '/no-such-route', { token: registrar, tag: 'bad' }), 404],
    ];
    const answers = await Promise.all(expectations.map(([answer]) => answer));

    expect(answers.map((a) => a.status)).toEqual(expectations.map(([, status]) => status));
    for (const answer of answers) {
      expect(answer.headers.get('content-type')).toBe('application/problem+json');
    }
    expect(answers[0]?.headers.get('www-authenticate')).toBe('Bearer realm="backbone"');
    expect(answers[8]?.body['errors']).toEqual([expect.objectContaining({ field: 'X-Purpose' })]);
  });

  it('refuses bad input with a 4xx problem and changes nothing', async () => {
    const put = (options: Parameters<typeof call>[3]) =>
      api('PUT', `/persons/${nationalId}/address`, { token: registrar, tag: 'bad', ...options });

    const malformed = await put({
      rawBody: '{"address": {',
      headers: { 'content-type': 'application/json' },
    });
    const wrongTypes = await put({
      body: { address: { ...ESCH, postcode: 4011, country: 'XX' }, moved: true },
    });
    // A blank street breaks the document's pattern (checked before the domain); a foreign
    // postcode shape for Luxembourg is the domain's rule.
    const invalid = await put({ body: { address: { ...ESCH, street: ' ' } } });
    const badPostcode = await put({ body: { address: { ...ESCH, postcode: '40111' } } });
    const oversize = await put({
      body: { address: { ...ESCH, street: 'x'.repeat(1_100_000) } },
    });
    const notJson = await put({
      rawBody: '<address>Esch</address>',
      headers: { 'content-type': 'application/xml' },
    });
    const badIfMatch = await put({ body: { address: ESCH }, headers: { 'if-match': 'W/"2"' } });
    const badAsOf = await api('GET', `/persons/${nationalId}?asOf=yesterday`, {
      token: registrar,
      tag: 'bad',
    });

    expect(malformed.status).toBe(400);
    expect(wrongTypes.status).toBe(400);
    expect(wrongTypes.body['errors']).toEqual([
      { field: 'address.postcode', message: 'Invalid input: expected string, received number' },
      {
        field: 'address.country',
        message: 'must be an ISO 3166-1 alpha-2 country code, upper case',
      },
      { field: 'moved', message: 'is not a known field' },
    ]);
    expect(invalid.status).toBe(400);
    expect(invalid.body['errors']).toEqual([
      { field: 'address.street', message: 'must be printable text with a letter' },
    ]);
    expect(badPostcode.status).toBe(400);
    expect(badPostcode.body['errors']).toEqual([
      {
        field: 'address.postcode',
        message: 'must be 4 digits for Luxembourg, optionally prefixed "L-"',
      },
    ]);
    expect(oversize.status).toBe(413);
    expect(notJson.status).toBe(415);
    expect(badIfMatch.status).toBe(400);
    expect(badAsOf.status).toBe(400);
    for (const answer of [
      malformed,
      wrongTypes,
      invalid,
      badPostcode,
      oversize,
      notJson,
      badIfMatch,
      badAsOf,
    ]) {
      expect(answer.headers.get('content-type')).toBe('application/problem+json');
    }

    const record = await api('GET', `/persons/${nationalId}`, { token: await citizen(nationalId) });
    expect(record.body).toMatchObject({ version: 3, address: { locality: 'Esch-sur-Alzette' } });
  });

  it('registers persons in bulk, all or none, idempotently', async () => {
    const person = (givenNames: string, birthDate: string) => ({
      givenNames,
      familyName: 'Weber',
      birthDate,
      sex: 'X',
      nationalities: ['LU'],
      address: LUXEMBOURG,
      civilStatus: 'single',
    });
    const key = randomUUID();
    const body = {
      persons: [person('Bulk One', '1961-01-01'), person('Bulk Two', '1961-01-02')],
    };

    const created = await api('POST', '/persons/batch', {
      token: registrar,
      body,
      headers: { 'idempotency-key': key },
    });
    expect(created.status).toBe(201);
    const registered = created.body['registered'] as { nationalId: string; version: number }[];
    expect(registered).toHaveLength(2);
    expect(registered.map((r) => r.nationalId.slice(0, 8))).toEqual(['19610101', '19610102']);
    const second = registered[1]?.nationalId ?? '';
    const read = await api('GET', `/persons/${second}`, { token: await citizen(second) });
    expect(read.body).toMatchObject({ givenNames: 'Bulk Two', version: 1 });

    const replayed = await api('POST', '/persons/batch', {
      token: registrar,
      body,
      headers: { 'idempotency-key': key },
      tag: 'retry',
    });
    expect(replayed.body).toEqual(created.body);
    expect(replayed.headers.get('idempotent-replayed')).toBe('true');

    // One bad entry refuses the whole batch, naming the entry by its index.
    const refused = await api('POST', '/persons/batch', {
      token: registrar,
      body: { persons: [person('Fine', '1961-01-03'), person('Unborn', '2999-01-01')] },
      headers: { 'idempotency-key': randomUUID() },
      tag: 'bad',
    });
    expect(refused.status).toBe(400);
    expect(refused.headers.get('content-type')).toContain('application/problem+json');
    expect(JSON.stringify(refused.body)).toContain('persons[1].birthDate');
    const none = await api('GET', `/persons/${composeNationalId('1961-01-03', 0)}`, {
      token: registrar,
      tag: 'bad',
    });
    expect(none.status).toBe(404);
  });

  it('records every read of the person’s data by a registrar or an agency, not the person’s own', async () => {
    const read = await api('GET', `/persons/${nationalId}`, {
      token: agency,
      headers: {
        'x-purpose': 'family-allowance-eligibility',
        traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01',
      },
      tag: 'sentinel',
    });
    expect(read.status).toBe(200);
    // The basis of ccss that allows the purpose allows neither the place of birth nor the sex.
    expect(read.body).toHaveProperty('address');
    expect(read.body).not.toHaveProperty('sex');
    expect(read.body).not.toHaveProperty('placeOfBirth');

    // The agency's read is the last event this run causes: once it is on the topic, so is
    // everything before it.
    await eventually('the agency read on the topic', () =>
      ours().some((event) => event.correlationId.startsWith(`${RUN}-sentinel`)),
    );
    const accesses = ours()
      .filter((event) => event.streamId === `access-${nationalId}`)
      .map((event) => accessEventsCodec.decode(event, NO_PERSONAL_DATA).data);
    // The registrar's three reads (now, as of before the move, as of before it existed: 404,
    // not recorded) and the agency's; the person's own reads are not recorded.
    expect(accesses.map((a) => [a.accessorRole, a.organisationId])).toEqual([
      ['registrar', 'rnpp'],
      ['registrar', 'rnpp'],
      ['agency-system', 'ccss'],
    ]);
    expect(accesses[2]).toMatchObject({
      subjectNationalId: nationalId,
      purpose: 'family-allowance-eligibility',
      legalBasis: 'Code de la sécurité sociale, art. 269',
      legalBasisId: 'ccss-family-allowances',
      traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
      fieldsRead: expect.arrayContaining(['national_id', 'family_name', 'address']) as unknown,
    });
    expect(accesses[2]?.fieldsRead).not.toContain('sex');
  });

  it('published every event of the log to registry.events.v1, keyed by stream, and none for refused requests', () => {
    const byStream = (streamId: string) =>
      ours()
        .filter((event) => event.streamId === streamId)
        .map((event) => [event.streamVersion, event.eventType]);

    expect(byStream(nationalId)).toEqual([
      [1, 'gov.registry.v1.PersonRegistered'],
      [2, 'gov.registry.v1.PersonAddressChanged'],
      [3, 'gov.registry.v1.PersonRecordCorrected'],
    ]);
    expect(byStream(businessNumber)).toEqual([[1, 'gov.registry.v1.BusinessRegistered']]);
    expect(byStream(`correction-${correctionId}`)).toEqual([
      [1, 'gov.registry.v1.CorrectionRequested'],
      [2, 'gov.registry.v1.CorrectionAccepted'],
      [3, 'gov.registry.v1.CorrectionCommunicated'],
    ]);
    for (const event of ours()) {
      expect(event).toMatchObject({ producer: 'registry', key: event.streamId });
      expect(event.typeHeader).toBe(event.eventType);
    }
    const [, accepted, communicated] = ours().filter(
      (e) => e.streamId === `correction-${correctionId}`,
    );
    const corrected = ours().find((e) => e.streamId === nationalId && e.streamVersion === 3);
    expect(corrected?.causationId).toBe(accepted?.eventId);
    expect(communicated?.causationId).toBe(corrected?.eventId);
    expect(corrected?.correlationId).toBe(accepted?.correlationId);
    expect(ours().filter((e) => /-(bad|retry)-/.test(e.correlationId))).toEqual([]);
  });

  it('documents every route with schemas and examples, behind bearer auth', async () => {
    const document = (await (await fetch(`${baseUrl}/openapi.json`)).json()) as {
      paths: Record<string, Record<string, Record<string, unknown>>>;
    };
    const operations = Object.entries(document.paths).flatMap(([path, methods]) =>
      Object.entries(methods).map(([method, operation]) => ({ path, method, operation })),
    );

    expect(operations.map((o) => `${o.method.toUpperCase()} ${o.path}`).sort()).toEqual(
      [
        'GET /health/live',
        'GET /health/ready',
        'GET /metrics',
        'POST /persons',
        'GET /persons/{nationalId}',
        'GET /persons/{nationalId}/history',
        'GET /persons/{nationalId}/businesses',
        'PUT /persons/{nationalId}/name',
        'PUT /persons/{nationalId}/address',
        'PUT /persons/{nationalId}/civil-status',
        'POST /persons/{nationalId}/death',
        'POST /persons/{nationalId}/erasure',
        'POST /persons/batch',
        'POST /businesses',
        'GET /businesses/{businessNumber}',
        'GET /businesses/{businessNumber}/history',
        'PUT /businesses/{businessNumber}/address',
        'PUT /businesses/{businessNumber}/managers',
        'POST /businesses/{businessNumber}/strike-off',
        'POST /vehicles',
        'GET /vehicles/{registrationNumber}',
        'GET /vehicles/{registrationNumber}/history',
        'PUT /vehicles/{registrationNumber}/owner',
        'POST /vehicles/{registrationNumber}/deregistration',
        'POST /corrections',
        'GET /corrections',
        'GET /corrections/{correctionId}',
        'POST /corrections/{correctionId}/accept',
        'POST /corrections/{correctionId}/reject',
        'GET /replication/status',
        'GET /replication/digest',
        'POST /replication/fence',
        'POST /replication/promote',
        'POST /replication/demote',
      ].sort(),
    );
    for (const { path, operation } of operations) {
      // Probes and the Prometheus scrape: unauthenticated, and not JSON (metrics).
      if (path.startsWith('/health') || path === '/metrics') continue;
      expect(operation['security']).toEqual([{ bearer: [] }]);
      const responses = operation['responses'] as Record<
        string,
        { content?: Record<string, { schema?: unknown; example?: unknown }> }
      >;
      const success = Object.entries(responses).find(([status]) => status.startsWith('2'));
      expect(success?.[1].content?.['application/json']?.schema).toBeDefined();
      expect(success?.[1].content?.['application/json']?.example).toBeDefined();
      expect(responses['401']?.content?.['application/problem+json']).toBeDefined();
    }
    const register = document.paths['/persons']?.['post'] as {
      requestBody: {
        content: { 'application/json': { schema: { required: string[] }; examples: unknown } };
      };
    };
    expect(register.requestBody.content['application/json'].schema.required).toContain('birthDate');
    expect(register.requestBody.content['application/json'].examples).toBeDefined();
  });
});
