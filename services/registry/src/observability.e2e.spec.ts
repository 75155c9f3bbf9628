// Tracing and metrics of real registry processes: a primary and a replica (standing in for the
// embassy, replaying the primary's topic on the same test cluster, as MirrorMaker 2 would after
// renaming it), both exporting OTLP/HTTP (JSON) to a receiver this spec runs on loopback.
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { ensureLocalSigningKeys, mintToken } from '@gov/platform-auth';
import type { LocalSigningKeys } from '@gov/platform-auth';
import { createTestDatabase, testKafkaEnv, uniqueName, waitFor } from '@gov/platform-testing';
import type { TestDatabase } from '@gov/platform-testing';

import { RegistryProcess, freePort, runTool, waitUntilOk } from './testing/registry-process';

const ISSUER = 'observability-e2e';
const AUDIENCE = 'backbone';

/** A span as the receiver keeps it, from OTLP/JSON (ids are hex there). */
interface ReceivedSpan {
  readonly site: string;
  readonly service: string;
  readonly traceId: string;
  readonly spanId: string;
  readonly parentSpanId: string;
  readonly name: string;
  readonly kind: number;
}

interface OtlpAttribute {
  key: string;
  value: { stringValue?: string };
}
interface OtlpExport {
  resourceSpans?: {
    resource?: { attributes?: OtlpAttribute[] };
    scopeSpans?: {
      spans?: {
        traceId: string;
        spanId: string;
        parentSpanId?: string;
        name: string;
        kind: number;
      }[];
    }[];
  }[];
}

/** OTLP/HTTP with `application/json` bodies: the collector's receiver, reduced to traces. */
function startOtlpReceiver(spans: ReceivedSpan[]): Promise<Server> {
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      if (request.url !== '/v1/traces') {
        response.writeHead(404).end();
        return;
      }
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as OtlpExport;
      for (const resourceSpans of body.resourceSpans ?? []) {
        const attribute = (key: string): string =>
          resourceSpans.resource?.attributes?.find((a) => a.key === key)?.value.stringValue ?? '';
        for (const scope of resourceSpans.scopeSpans ?? []) {
          for (const span of scope.spans ?? []) {
            spans.push({
              site: attribute('site'),
              service: attribute('service.name'),
              traceId: span.traceId,
              spanId: span.spanId,
              parentSpanId: span.parentSpanId ?? '',
              name: span.name,
              kind: span.kind,
            });
          }
        }
      }
      response.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      resolve(server);
    });
  });
}

/** The value of the one sample of `name` whose labels include `labels`. */
function sample(text: string, name: string, labels: Record<string, string>): number | undefined {
  for (const line of text.split('\n')) {
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match || match[1] !== name) continue;
    const found = new Map<string, string>();
    for (const m of (match[2] ?? '').matchAll(/([a-zA-Z_]\w*)="((?:[^"\\]|\\.)*)"/g)) {
      found.set(m[1] ?? '', m[2] ?? '');
    }
    if (Object.entries(labels).every(([key, value]) => found.get(key) === value)) {
      return Number(match[3]);
    }
  }
  return undefined;
}

describe('observability of the registry on two sites', () => {
  const run = uniqueName('obs');
  const embassyTopic = `${run}.registry.events.v1`;
  const primaryTopic = `mirror.${embassyTopic}`;
  const spans: ReceivedSpan[] = [];
  let receiver: Server;
  let keysDir: string;
  let keys: LocalSigningKeys;
  let databases: { primary: TestDatabase; embassy: TestDatabase };
  const ports = { primary: 0, embassy: 0 };
  const processes: RegistryProcess[] = [];
  let primary: RegistryProcess;
  let registrar: string;
  let operator: string;

  const url = (site: 'primary' | 'embassy'): string => `http://127.0.0.1:${String(ports[site])}`;

  const replication = async (site: 'primary' | 'embassy'): Promise<{ head?: string }> => {
    const response = await fetch(`${url(site)}/replication/status`, {
      headers: { authorization: `Bearer ${operator}` },
    });
    return (await response.json()) as { head?: string };
  };

  function startRegistry(site: 'primary' | 'embassy'): RegistryProcess {
    const registry = new RegistryProcess({
      ...testKafkaEnv(),
      DATABASE_URL: databases[site].url,
      HTTP_PORT: String(ports[site]),
      SITE_ROLE: site,
      AUTH_JWKS_FILE: keys.jwksFile,
      DATA_KEK_FILE: keys.keyEncryptionKeyFile,
      AUTH_ISSUER: ISSUER,
      AUTH_AUDIENCE: AUDIENCE,
      EVENTS_TOPIC: site === 'primary' ? primaryTopic : embassyTopic,
      REPLICATION_SOURCE: 'mirror',
      REPLICATION_GROUP: `${run}.registry.replica.${site}`,
      LOG_LEVEL: 'info',
      OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${String((receiver.address() as AddressInfo).port)}`,
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
      OTEL_BSP_SCHEDULE_DELAY: '100',
      OTEL_RESOURCE_ATTRIBUTES: `site=${site}`,
    });
    processes.push(registry);
    return registry;
  }

  beforeAll(async () => {
    receiver = await startOtlpReceiver(spans);
    keysDir = mkdtempSync(join(tmpdir(), 'observability-e2e-'));
    keys = await ensureLocalSigningKeys(keysDir);
    registrar = await mintToken(keys.privateKeyFile, {
      role: 'registrar',
      subject: 'clerk-obs',
      registers: ['persons'],
      issuer: ISSUER,
      audience: AUDIENCE,
    });
    operator = await mintToken(keys.privateKeyFile, {
      role: 'operator',
      subject: 'operator-obs',
      issuer: ISSUER,
      audience: AUDIENCE,
    });
    databases = {
      primary: await createTestDatabase('obs_primary'),
      embassy: await createTestDatabase('obs_embassy'),
    };
    for (const database of Object.values(databases)) {
      expect(runTool('migrate', { DATABASE_URL: database.url }).status).toBe(0);
    }
    ports.primary = await freePort();
    ports.embassy = await freePort();
    // The primary first: its relay creates the topic the replica replays.
    primary = startRegistry('primary');
    await waitUntilOk(`${url('primary')}/health/ready`, primary, 90_000);
    const embassy = startRegistry('embassy');
    await waitUntilOk(`${url('embassy')}/health/ready`, embassy, 90_000);
  });

  afterAll(async () => {
    await Promise.all(processes.map((p) => p.stop('SIGKILL')));
    await new Promise((resolve) => receiver.close(resolve));
    await databases.primary.drop();
    await databases.embassy.drop();
    rmSync(keysDir, { recursive: true, force: true });
  });

  it('follows one request from the primary’s HTTP API into the embassy’s replay, in one trace', async () => {
    // The embassy replays what the primary wrote at start (its agency feeds' cuts) first: a
    // batch of events from several traces is a span of its own with links to them (OpenTelemetry
    // messaging conventions), and this request's event must come in a batch of its own.
    const { head } = await replication('primary');
    await waitFor(
      `the embassy at the primary's head ${String(head)}`,
      async () => (await replication('embassy')).head === head,
      60_000,
    );
    const traceId = randomBytes(16).toString('hex');
    const response = await fetch(`${url('primary')}/persons`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${registrar}`,
        'content-type': 'application/json',
        'idempotency-key': randomUUID(),
        traceparent: `00-${traceId}-${randomBytes(8).toString('hex')}-01`,
      },
      body: JSON.stringify({
        givenNames: 'Lisa',
        familyName: 'Trace',
        birthDate: `19${String(30 + Math.floor(Math.random() * 60))}-05-1${String(Math.floor(Math.random() * 9))}`,
        sex: 'F',
        nationalities: ['LU'],
        civilStatus: 'single',
        address: {
          street: 'Rue du Fort',
          houseNumber: '1',
          postcode: '4011',
          locality: 'Luxembourg',
          country: 'LU',
        },
      }),
    });
    expect(response.status).toBe(201);

    const inTrace = (): ReceivedSpan[] => spans.filter((span) => span.traceId === traceId);
    const replay = (): ReceivedSpan | undefined =>
      inTrace().find((span) => span.site === 'embassy' && span.name === `process ${primaryTopic}`);
    // Each process exports its spans on its own schedule: the primary's publish span may come
    // after the embassy's replay span.
    await waitFor(
      'the embassy’s replay span and the primary’s publish span in the request’s trace',
      () =>
        replay() !== undefined && inTrace().some((span) => span.name === `publish ${primaryTopic}`),
      60_000,
    ).catch(async (error: unknown) => {
      // What arrived, and what each process said last: which side stopped.
      const seen = inTrace().map((span) => `${span.site}: ${span.name}`);
      const status = JSON.stringify(await replication('embassy'));
      const logs = processes
        .map((p) => `${p.service}:\n${[...p.stdout.slice(-30), p.stderr.slice(-2000)].join('\n')}`)
        .join('\n');
      throw new Error(
        `${String(error)}\nspans of the trace: ${seen.join(' | ')}\nembassy: ${status}\n${logs}`,
      );
    });

    const trace = inTrace();
    const byId = new Map(trace.map((span) => [span.spanId, span]));
    const server = trace.find((span) => span.name === 'POST /persons');
    expect(server).toMatchObject({ site: 'primary', service: 'registry', kind: 2 });
    expect(trace.find((span) => span.name === 'event-store append')?.site).toBe('primary');
    expect(trace.find((span) => span.name === `publish ${primaryTopic}`)).toMatchObject({
      site: 'primary',
      kind: 4,
    });
    // The replay's span descends from the POST's server span, across processes and Kafka.
    const ancestors: string[] = [];
    for (let span = replay(); span; span = byId.get(span.parentSpanId)) {
      ancestors.push(span.name);
    }
    expect(ancestors).toContain('POST /persons');
    expect(replay()?.kind).toBe(5);

    // The request's log line carries the same trace.
    const requestLine = primary.stdout.find(
      (line) => line.includes('POST /persons 201') && line.includes(`"traceId":"${traceId}"`),
    );
    expect(requestLine).toBeDefined();
  });

  it('serves Prometheus metrics: HTTP by route, append latency, relay and replica figures', async () => {
    const scrape = async (site: 'primary' | 'embassy'): Promise<string> => {
      const response = await fetch(`${url(site)}/metrics`);
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toContain('text/plain');
      return response.text();
    };
    let primaryText = '';
    await waitFor(
      'the relay to report itself caught up',
      async () => {
        primaryText = await scrape('primary');
        return sample(primaryText, 'outbox_relay_lag_events', { topic: primaryTopic }) === 0;
      },
      60_000,
    );

    expect(
      sample(primaryText, 'http_server_request_duration_seconds_count', {
        method: 'POST',
        route: '/persons',
        status_class: '2xx',
      }),
    ).toBe(1);
    expect(
      sample(primaryText, 'event_store_append_duration_seconds_count', {
        schema: 'registry',
        outcome: 'ok',
      }),
    ).toBeGreaterThanOrEqual(1);
    expect(
      sample(primaryText, 'outbox_relay_published_total', { topic: primaryTopic }),
    ).toBeGreaterThanOrEqual(1);
    expect(sample(primaryText, 'outbox_relay_lag_seconds', { topic: primaryTopic })).toBe(0);
    expect(sample(primaryText, 'process_cpu_seconds_total', {})).toBeGreaterThan(0);

    const embassyText = await scrape('embassy');
    expect(
      sample(embassyText, 'replica_applied_position', { schema: 'registry' }),
    ).toBeGreaterThanOrEqual(1);
    expect(
      sample(embassyText, 'messaging_consumer_lag_records', {
        group: `${run}.registry.replica.embassy`,
        topic: primaryTopic,
      }),
    ).toBe(0);
  });
});
