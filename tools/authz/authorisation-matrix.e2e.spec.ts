// The authorisation matrix, checked on the real services: the six services with an HTTP API
// run as processes over real Kafka and PostgreSQL, every operation of each one's
// /openapi.json is called by every principal of `PRINCIPALS`, and each answer is compared
// with the table in `authorisation-matrix.ts`. Requests are built from the document itself
// (its examples), so that a refusal comes from authorisation, not from an invalid input.
// Then the per-principal rate limit, hammered on one of them.
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';

import { ServicesUnderTest, callJson } from '@gov/platform-e2e-testing';
import type { ServiceUnderTest } from '@gov/platform-e2e-testing';
import { ensureLocalSigningKeys, mintToken } from '@gov/platform-auth';
import type { TokenRequest } from '@gov/platform-auth';
import { uniqueName } from '@gov/platform-testing';

import { AUTHORISATION_MATRIX, PRINCIPALS, expectedOutcome } from './authorisation-matrix';
import type { Outcome, PrincipalName } from './authorisation-matrix';

const METHODS = ['get', 'put', 'post', 'delete', 'patch'] as const;
/** Limits so high that the matrix's many calls per principal never meet them. */
const UNLIMITED = { RATE_LIMIT_PER_MINUTE: '1000000', RATE_LIMIT_BURST: '1000000' };

interface Parameter {
  readonly name: string;
  readonly in: 'path' | 'query' | 'header';
  readonly required?: boolean;
  readonly example?: unknown;
  readonly schema?: Schema;
}

interface Schema {
  readonly type?: string;
  readonly format?: string;
  readonly enum?: readonly unknown[];
  readonly example?: unknown;
  readonly minimum?: number;
  readonly pattern?: string;
}

interface MediaType {
  readonly example?: unknown;
  readonly examples?: Record<string, { readonly value?: unknown }>;
  readonly schema?: Schema;
}

interface Operation {
  readonly parameters?: readonly Parameter[];
  readonly requestBody?: { readonly content?: Record<string, MediaType> };
  readonly responses?: Record<string, { readonly headers?: Record<string, unknown> }>;
}

interface OpenApi {
  readonly paths: Record<string, Partial<Record<(typeof METHODS)[number], Operation>>>;
}

/** One operation of one service, as the table names it. */
interface Route {
  readonly key: string;
  readonly service: ServiceUnderTest;
  readonly method: string;
  readonly path: string;
  readonly operation: Operation;
}

/** A cell whose answer is not what the table says. */
interface Mismatch {
  readonly route: string;
  readonly principal: PrincipalName;
  readonly expected: Outcome;
  readonly status: number;
  readonly detail: unknown;
}

/** The national identification number the documents' examples use, replaced by the owner's. */
const EXAMPLE_PERSON = '1983081246785';
/** Headers the harness sets itself: a fresh Idempotency-Key per write, no If-Match. */
const OWN_HEADERS = new Set(['idempotency-key', 'if-match']);
/** Body members that must be current: the examples' validity periods may be over by now. */
function currentValidity(): Record<string, unknown> {
  const year = 365 * 24 * 3600_000;
  return {
    validFrom: new Date().toISOString(),
    validUntil: new Date(Date.now() + year).toISOString(),
  };
}
const BODY_CHANGES: Record<string, () => Record<string, unknown>> = {
  'consent POST /consents': currentValidity,
  'consent POST /consents/{consentId}/change': currentValidity,
  // Routes whose document has no example body (yet).
  'procedures POST /drafts/{id}/prefill': () => ({ previewId: randomUUID(), sources: {} }),
  'procedures POST /drafts/{id}/submit': () => ({ form: {} }),
  'procedures POST /submissions/{id}/information': () => ({ answer: 'As asked.' }),
};

/**
 * Query parameters the matrix adds: ones a route requires that its document does not list
 * (yet), without which the request would be refused as invalid before authorisation; and
 * filters that ask for the owner's records, so that a list scoped to the caller shows it.
 */
const ROUTE_QUERY: Record<string, (values: PathValues) => Record<string, string>> = {
  'consent GET /prefill-preferences/{nationalId}': () => ({ source: 'persons' }),
  'consent GET /consents': (values) => ({ subject: values['nationalId'] ?? '' }),
};

/** Values of path parameters: the matrix's records, else a fixed value or a random id. */
type PathValues = Record<string, string>;

/**
 * Path values of routes that must not touch the matrix's person: an erasure allowed through
 * would close their record for every cell after it, so it names a person of its own.
 */
const ROUTE_PATH_VALUES: Record<string, (values: PathValues) => PathValues> = {
  'registry POST /persons/{nationalId}/erasure': (values) => ({
    ...values,
    nationalId: values['erasable'] ?? '',
  }),
};

/** A value for a parameter: the matrix's own, else the document's example, else one of its type. */
function parameterValue(parameter: Parameter, values: PathValues): string {
  const fixed = values[parameter.name];
  if (parameter.in === 'path' && fixed !== undefined) return fixed;
  const schema = parameter.schema ?? {};
  const example = parameter.example ?? schema.example ?? schema.enum?.[0];
  if (typeof example === 'string' || typeof example === 'number') {
    return String(example).replaceAll(EXAMPLE_PERSON, values['nationalId'] ?? '');
  }
  if (schema.type === 'integer' || schema.type === 'number') return String(schema.minimum ?? 1);
  if (schema.format === 'date-time') return new Date().toISOString();
  return randomUUID();
}

/** The document's example body, about the owner instead of the example's person. */
function requestBody(
  operation: Operation,
  owner?: string,
): { body?: unknown; contentType?: string } {
  const content = operation.requestBody?.content;
  if (content === undefined) return {};
  const [contentType, media] = Object.entries(content)[0] ?? [];
  if (contentType === undefined || media === undefined) return {};
  const example =
    media.example ?? Object.values(media.examples ?? {})[0]?.value ?? media.schema?.example ?? {};
  const body =
    owner === undefined
      ? example
      : (JSON.parse(JSON.stringify(example).replaceAll(EXAMPLE_PERSON, owner)) as unknown);
  return { body, contentType };
}

/** Calls the route as `bearer` with a request built from its document. */
async function call(route: Route, values: PathValues, bearer: string | undefined) {
  let path = route.path;
  const pathValues = ROUTE_PATH_VALUES[route.key]?.(values) ?? values;
  const query = new URLSearchParams(ROUTE_QUERY[route.key]?.(values));
  const headers: Record<string, string> = {};
  for (const parameter of route.operation.parameters ?? []) {
    if (parameter.in === 'path') {
      path = path.replace(
        `{${parameter.name}}`,
        encodeURIComponent(parameterValue(parameter, pathValues)),
      );
      continue;
    }
    if (OWN_HEADERS.has(parameter.name.toLowerCase())) continue;
    const schema = parameter.schema ?? {};
    const hasExample = (parameter.example ?? schema.example ?? schema.enum?.[0]) !== undefined;
    if (parameter.required !== true && !hasExample) continue;
    const value = parameterValue(parameter, values);
    if (parameter.in === 'query') query.set(parameter.name, value);
    else headers[parameter.name] = value;
  }
  const example = requestBody(route.operation, values['nationalId']);
  const changes = BODY_CHANGES[route.key]?.();
  const body = changes === undefined ? example.body : { ...(example.body as object), ...changes };
  const contentType = example.contentType ?? (body === undefined ? undefined : 'application/json');
  if (contentType !== undefined) headers['content-type'] = contentType;
  const url = `${route.service.url}${path}${query.size > 0 ? `?${query.toString()}` : ''}`;
  const response = await fetch(url, {
    method: route.method,
    headers: {
      ...(bearer === undefined ? {} : { authorization: `Bearer ${bearer}` }),
      ...(route.method === 'GET' ? {} : { 'idempotency-key': randomUUID() }),
      ...headers,
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  // Not every answer is JSON (metrics, a letter's content): only a problem's detail is read.
  const text = await response.text();
  // A JSON document (not NDJSON, which the exports stream): only that is parsed.
  const isJson = /^application\/(problem\+)?json\b/.test(
    response.headers.get('content-type') ?? '',
  );
  return {
    status: response.status,
    body: (isJson && text !== '' ? JSON.parse(text) : {}) as Record<string, unknown>,
  };
}

/** Routes whose document gives no example body, and the path whose POST example fits them. */
const BORROWED_EXAMPLES: Record<string, string> = {
  'consent POST /consents/{consentId}/change': '/consents',
};

/** The routes of a service's document; writes that change the site's role come last. */
function routesOf(name: string, service: ServiceUnderTest, document: OpenApi): Route[] {
  const routes = Object.entries(document.paths).flatMap(([path, item]) =>
    METHODS.flatMap((method) => {
      const operation = item[method];
      if (operation === undefined) return [];
      const key = `${name} ${method.toUpperCase()} ${path}`;
      const lender = BORROWED_EXAMPLES[key];
      const requestBody =
        lender === undefined ? operation.requestBody : document.paths[lender]?.post?.requestBody;
      return [
        {
          key,
          service,
          method: method.toUpperCase(),
          path,
          operation: requestBody === undefined ? operation : { ...operation, requestBody },
        },
      ];
    }),
  );
  const last = (route: Route): number =>
    route.path.startsWith('/replication/') && route.method === 'POST' ? 1 : 0;
  return routes.sort((a, b) => last(a) - last(b));
}

function outcomeOf(status: number): 'allow' | number {
  return status === 401 || status === 403 ? status : 'allow';
}

describe('the authorisation matrix', () => {
  let services: ServicesUnderTest;
  const running = new Map<string, ServiceUnderTest>();
  const tokens = new Map<PrincipalName, string | undefined>();
  const values: PathValues = {
    businessNumber: 'B123456',
    treeSize: '1',
    version: '1',
    procedureId: 'family-allowance',
    source: 'persons',
  };

  const token = (request: Omit<TokenRequest, 'issuer' | 'audience'>): Promise<string> =>
    services.token(request);

  const url = (name: string): string => {
    const service = running.get(name);
    if (service === undefined) throw new Error(`${name} is not running`);
    return service.url;
  };

  /** POSTs the document's example of `path` as `principal`; the new record's id (Location). */
  const create = async (
    name: string,
    path: string,
    principal: PrincipalName,
    changes: Record<string, unknown> = {},
  ): Promise<string> => {
    const document = (await callJson(`${url(name)}/openapi.json`, 'GET', undefined))
      .body as unknown as OpenApi;
    const operation = document.paths[path]?.post;
    if (operation === undefined) throw new Error(`${name} documents no POST ${path}`);
    const created = await callJson(`${url(name)}${path}`, 'POST', tokens.get(principal), {
      ...(requestBody(operation, values['nationalId']).body as object),
      ...changes,
    });
    const location = created.headers.get('location');
    if (created.status !== 201 || location === null) {
      throw new Error(`POST ${path} answered ${created.status}: ${JSON.stringify(created.body)}`);
    }
    return location.split('/').at(-1) ?? '';
  };

  beforeAll(async () => {
    services = await ServicesUnderTest.create('authz-matrix');
    const start = async (name: string, env: Record<string, string>, withoutDatabase = false) => {
      const started = await services.start(
        name,
        {
          ...UNLIMITED,
          ...(withoutDatabase ? {} : { EVENTS_TOPIC: uniqueName(`${name}.events.v1`) }),
          ...env,
        },
        { withoutDatabase },
      );
      running.set(name, started);
      return started.url;
    };
    const consent = await start('consent', { RECEIPT_KEY_DIR: join(services.dir, 'receipts') });
    const registry = await start('registry', { CONSENT_URL: consent });
    const letterbox = await start('letterbox', {
      REGISTRY_URL: registry,
      LETTERBOX_SIGNING_KEY_FILE: services.keys.privateKeyFile,
      LETTERBOX_DELIVERY_AGENTS: 'procedures',
    });
    await start('procedures', {
      REGISTRY_URL: registry,
      CONSENT_URL: consent,
      LETTERBOX_URL: letterbox,
      PROCEDURES_SIGNING_KEY_FILE: services.keys.privateKeyFile,
    });
    await start('audit', {
      AUDIT_SIGNING_KEY_FILE: join(services.dir, 'audit-tree-heads.jwk'),
      AUDIT_SIGNING_KEY_CREATE: 'true',
    });
    await start(
      'embassy-sync',
      {
        SYNC_SIGNING_KEY_FILE: services.keys.privateKeyFile,
        CHECKPOINT_KEY_DIR: join(services.dir, 'checkpoints'),
        SYNC_SERVICES: `registry=${registry},${registry}`,
      },
      true,
    );

    const registrar = { role: 'registrar', subject: 'clerk-1', organisationId: 'rnpp' } as const;
    tokens.set('anonymous', undefined);
    tokens.set('expired', await token({ ...registrar, registers: ['persons'], expiresIn: '-5m' }));
    tokens.set('registrar-persons', await token({ ...registrar, registers: ['persons'] }));
    const untrusted = await ensureLocalSigningKeys(join(services.dir, 'untrusted'));
    tokens.set(
      'untrusted',
      await mintToken(untrusted.privateKeyFile, {
        ...registrar,
        registers: ['persons'],
        issuer: services.issuer,
        audience: 'backbone',
      }),
    );
    tokens.set(
      'registrar-businesses',
      await token({
        role: 'registrar',
        subject: 'clerk-2',
        registers: ['businesses'],
        organisationId: 'rcs',
      }),
    );
    tokens.set(
      'registrar-vehicles',
      await token({
        role: 'registrar',
        subject: 'clerk-3',
        registers: ['vehicles'],
        organisationId: 'snca',
      }),
    );
    // Two persons, as the registry's document gives its example of a batch.
    const registryDocument = (await callJson(`${registry}/openapi.json`, 'GET', undefined))
      .body as unknown as OpenApi;
    const batch = registryDocument.paths['/persons/batch']?.post;
    if (batch === undefined) throw new Error('the registry documents no POST /persons/batch');
    const registered = await callJson(
      `${registry}/persons/batch`,
      'POST',
      tokens.get('registrar-persons'),
      requestBody(batch).body,
    );
    expect(registered.status).toBe(201);
    const [own, other] = (registered.body['registered'] as { nationalId: string }[]).map(
      (person) => person.nationalId,
    );
    values['nationalId'] = own ?? '';
    // A third person, for the erasure route alone.
    const erasable = await callJson(
      `${registry}/persons`,
      'POST',
      tokens.get('registrar-persons'),
      (requestBody(batch).body as { persons: unknown[] }).persons[0],
    );
    expect(erasable.status).toBe(201);
    values['erasable'] = String(erasable.body['nationalId']);
    tokens.set('citizen-own', await token({ role: 'citizen', subject: own ?? '' }));
    tokens.set(
      'registrar-persons',
      await token({ ...registrar, registers: ['persons'], nationalId: other ?? '' }),
    );
    tokens.set('citizen-other', await token({ role: 'citizen', subject: other ?? '' }));
    tokens.set(
      'agency',
      await token({ role: 'agency', subject: 'svc-matrix', organisationId: 'matrix-agency' }),
    );
    tokens.set(
      'agency-ccss',
      await token({ role: 'agency', subject: 'svc-ccss', organisationId: 'ccss' }),
    );
    tokens.set(
      'service-procedures',
      await token({ role: 'agency', subject: 'procedures', organisationId: 'procedures' }),
    );
    tokens.set(
      'service-letterbox',
      await token({ role: 'agency', subject: 'letterbox', organisationId: 'letterbox' }),
    );
    tokens.set('operator', await token({ role: 'operator', subject: 'ops-1' }));
    tokens.set('service-embassy-sync', await token({ role: 'operator', subject: 'embassy-sync' }));
    tokens.set('dpo', await token({ role: 'dpo', subject: 'dpo-1', organisationId: 'cnpd' }));
    tokens.set(
      'auditor',
      await token({ role: 'auditor', subject: 'auditor-1', organisationId: 'cnpd' }),
    );

    // Records of the owner, so that "own" and "another's" mean something on their routes.
    values['correctionId'] = await create('registry', '/corrections', 'citizen-own');
    values['consentId'] = await create('consent', '/consents', 'citizen-own', currentValidity());
    const receipts = await callJson(
      `${url('consent')}/consents/${values['consentId']}/receipts`,
      'GET',
      tokens.get('citizen-own'),
    );
    values['receiptId'] = /"receiptId":"([^"]+)"/.exec(JSON.stringify(receipts.body))?.[1] ?? '';
    values['id'] = await create('procedures', '/drafts', 'citizen-own', {
      procedureId: 'family-allowance',
    });
    values['letterId'] = await create('letterbox', '/letters', 'service-procedures');
    expect(values['receiptId']).toMatch(/./);
  });

  afterAll(async () => {
    await services.stop();
  });

  it('answers every principal on every route of every service as the table says', async () => {
    const routes: Route[] = [];
    for (const [name, service] of running) {
      const document = await callJson(`${service.url}/openapi.json`, 'GET', undefined);
      routes.push(...routesOf(name, service, document.body as unknown as OpenApi));
    }

    // Every route is classified, and the table names no route that does not exist.
    const keys = routes.map((route) => route.key);
    expect(keys.filter((key) => AUTHORISATION_MATRIX[key] === undefined)).toEqual([]);
    expect(Object.keys(AUTHORISATION_MATRIX).filter((key) => !keys.includes(key))).toEqual([]);

    const mismatches: Mismatch[] = [];
    let cells = 0;
    for (const route of routes) {
      const row = AUTHORISATION_MATRIX[route.key];
      if (row === undefined) continue;
      for (const principal of PRINCIPALS) {
        const expected = expectedOutcome(row, principal);
        const answer = await call(route, values, tokens.get(principal));
        cells += 1;
        const matches =
          expected === 'allow' ? outcomeOf(answer.status) === 'allow' : answer.status === expected;
        if (!matches) {
          mismatches.push({
            route: route.key,
            principal,
            expected,
            status: answer.status,
            detail: answer.body['detail'] ?? answer.body,
          });
        }
      }
    }
    expect(cells).toBe(routes.length * PRINCIPALS.length);
    expect(mismatches).toEqual([]);
  });

  it('refuses pages, bodies and batches beyond their limits, as problems', async () => {
    const MiB = 1024 * 1024;
    const oversize = (bytes: number): string => JSON.stringify({ padding: 'x'.repeat(bytes) });
    const batchExample = (await callJson(`${url('registry')}/openapi.json`, 'GET', undefined))
      .body as unknown as OpenApi;
    const operation = batchExample.paths['/persons/batch']?.post;
    const person = operation && (requestBody(operation).body as { persons: unknown[] }).persons[0];
    const owner = values['nationalId'] ?? '';
    // [service, method, path, principal, body, status, the field a 400 names]
    const cases: readonly (readonly [
      string,
      string,
      string,
      PrincipalName,
      unknown,
      number,
      string?,
    ])[] = [
      // Page sizes: one over each route's maximum.
      ['registry', 'GET', '/corrections?limit=501', 'registrar-persons', undefined, 400, 'limit'],
      ['consent', 'GET', '/consents?limit=501', 'citizen-own', undefined, 400, 'limit'],
      ['audit', 'GET', '/access-log/me?limit=101', 'citizen-own', undefined, 400, 'limit'],
      ['audit', 'GET', `/access-log/subjects/${owner}?limit=101`, 'dpo', undefined, 400, 'limit'],
      ['embassy-sync', 'GET', '/status/history?points=601', 'operator', undefined, 400, 'points'],
      // A batch of 501 valid persons, one over the maximum.
      [
        'registry',
        'POST',
        '/persons/batch',
        'registrar-persons',
        { persons: Array.from({ length: 501 }, () => person) },
        400,
        'persons',
      ],
      // Bodies just over the chassis' 1 MiB (the letterbox's delivery route takes 10 MiB
      // documents, base64-encoded).
      ['registry', 'POST', '/persons', 'registrar-persons', oversize(MiB), 413],
      ['consent', 'POST', '/consents', 'citizen-own', oversize(MiB), 413],
      ['procedures', 'POST', '/drafts', 'citizen-own', oversize(MiB), 413],
      ['audit', 'POST', '/tree-heads', 'auditor', oversize(MiB), 413],
      ['letterbox', 'POST', '/letters', 'service-procedures', oversize(15 * MiB), 413],
    ];
    expect(person).toBeDefined();
    for (const [name, method, path, principal, body, status, field] of cases) {
      const answer = await callJson(`${url(name)}${path}`, method, tokens.get(principal), body);
      const fields = ((answer.body['errors'] ?? []) as { field: string }[]).map((e) => e.field);
      expect({ name, path, status: answer.status, type: answer.type, fields }).toEqual({
        name,
        path,
        status,
        type: 'application/problem+json',
        fields: field === undefined ? [] : [field],
      });
    }
  });

  it('documents the rate limit’s 429 with Retry-After on every operation but the probes', async () => {
    const undocumented: string[] = [];
    for (const [name, service] of running) {
      const document = (await callJson(`${service.url}/openapi.json`, 'GET', undefined))
        .body as unknown as OpenApi;
      for (const route of routesOf(name, service, document)) {
        const probe = ['/health/live', '/health/ready', '/metrics'].includes(route.path);
        const documented =
          route.operation.responses?.['429']?.headers?.['Retry-After'] !== undefined;
        if (documented === probe) undocumented.push(route.key);
      }
    }
    expect(undocumented).toEqual([]);
  });
});

describe('the per-principal rate limit of a running service', () => {
  let services: ServicesUnderTest;
  let consent: ServiceUnderTest;

  beforeAll(async () => {
    services = await ServicesUnderTest.create('rate-limit');
    consent = await services.start('consent', {
      EVENTS_TOPIC: uniqueName('consent.events.v1'),
      RECEIPT_KEY_DIR: join(services.dir, 'receipts'),
      // A bucket of 5 that refills one request every 10 s: none comes back during the test.
      RATE_LIMIT_PER_MINUTE: '6',
      RATE_LIMIT_BURST: '5',
    });
  });

  afterAll(async () => {
    await services.stop();
  });

  it('answers 429 with Retry-After to a principal over its limit, and only to that one', async () => {
    const anna = await services.token({ role: 'citizen', subject: '1983081246785' });
    const luc = await services.token({ role: 'citizen', subject: '1990013100012' });
    const url = `${consent.url}/prefill-preferences`;

    const statuses: number[] = [];
    let refused = await callJson(url, 'GET', anna);
    for (let call = 0; call < 20 && refused.status !== 429; call += 1) {
      statuses.push(refused.status);
      refused = await callJson(url, 'GET', anna);
    }
    expect(statuses).toEqual([200, 200, 200, 200, 200]);
    expect(refused.status).toBe(429);
    expect(refused.type).toBe('application/problem+json');
    expect(refused.body).toMatchObject({
      status: 429,
      title: 'Too Many Requests',
      instance: '/prefill-preferences',
    });
    expect(refused.headers.get('retry-after')).toBe('10');
    expect(refused.headers.get('ratelimit-policy')).toBe('"default";q=5;w=50');
    expect(refused.headers.get('ratelimit')).toMatch(/^"default";r=0;t=(49|50)$/);

    // Another person is unaffected, and so are the probes.
    const other = await callJson(url, 'GET', luc);
    expect(other.status).toBe(200);
    expect(other.headers.get('ratelimit')).toMatch(/^"default";r=4;t=\d+$/);
    expect((await callJson(`${consent.url}/health/ready`, 'GET', undefined)).status).toBe(200);
  });
});
