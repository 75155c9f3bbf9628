import { Body, Controller, Get, HttpCode, Module, NotFoundException, Post } from '@nestjs/common';
import type { DestinationStream } from 'pino';

import type { PlatformConfig } from '@gov/platform-config';

import { startService } from './bootstrap/start-service';
import type { RunningService } from './bootstrap/start-service';
import { ApplicationError } from './errors/application-error';
import { READINESS_CHECKS } from './health/readiness-check';
import type { ReadinessCheck } from './health/readiness-check';

/** A dependency the test switches between answering, failing and hanging. */
class SwitchableCheck implements ReadinessCheck {
  state: 'up' | 'down' | 'hanging' = 'up';

  constructor(readonly name: string) {}

  check(): Promise<void> {
    switch (this.state) {
      case 'up':
        return Promise.resolve();
      case 'down':
        return Promise.reject(new Error('connection refused'));
      case 'hanging':
        return new Promise(() => undefined);
    }
  }
}

const database = new SwitchableCheck('database');
const broker = new SwitchableCheck('broker');

@Controller('things')
class ThingsController {
  @Post()
  @HttpCode(201)
  create(@Body() body: unknown): { received: unknown } {
    return { received: body };
  }

  @Get('stale')
  stale(): never {
    throw ApplicationError.preconditionFailed('Thing 7 is at version 3, not 2');
  }

  @Get('invalid')
  invalid(): never {
    throw ApplicationError.validationFailed('2 fields are invalid', [
      { field: 'name', message: 'must not be empty' },
      { field: 'address.postcode', message: 'must be 4 digits' },
    ]);
  }

  @Get('busy')
  busy(): never {
    throw ApplicationError.serviceUnavailable('The registry is rebuilding', {
      retryAfterSeconds: 30,
    });
  }

  @Get('missing')
  missing(): never {
    throw new NotFoundException('No thing with id 42');
  }

  @Get('boom')
  boom(): never {
    throw new Error('password=hunter2 at db.internal:5432');
  }
}

@Module({
  controllers: [ThingsController],
  providers: [{ provide: READINESS_CHECKS, useValue: [database, broker] }],
  exports: [READINESS_CHECKS],
})
class ThingsModule {}

const config: PlatformConfig = {
  serviceName: 'chassis-test',
  http: { host: '127.0.0.1', port: 0 },
  kafka: { brokers: [] },
  database: { url: 'postgres://unused' },
  logLevel: 'debug',
  siteRole: 'primary',
  shutdownGraceMs: 1_000,
  // Generous: these tests are about everything but the limit (the auth library tests that).
  rateLimit: {
    perMinute: 60_000,
    burst: 10_000,
    service: { perMinute: 60_000, burst: 10_000, principals: [] },
  },
};

const logLines: Record<string, unknown>[] = [];
const logDestination: DestinationStream = {
  write(line: string) {
    logLines.push(JSON.parse(line) as Record<string, unknown>);
  },
};

let service: RunningService;

beforeAll(async () => {
  service = await startService({
    config,
    module: ThingsModule,
    openapi: { title: 'Things', description: 'A test service', version: '1.2.3' },
    bodyLimitBytes: 1024,
    readinessTimeoutMs: 500,
    logDestination,
  });
});

afterAll(async () => {
  await service.close();
});

beforeEach(() => {
  database.state = 'up';
  broker.state = 'up';
  logLines.length = 0;
});

async function request(
  path: string,
  init: RequestInit = {},
): Promise<{ status: number; headers: Headers; body: Record<string, unknown> }> {
  const response = await fetch(`${service.url}${path}`, init);
  const body = (await response.json()) as Record<string, unknown>;
  return { status: response.status, headers: response.headers, body };
}

function postJson(body: string, contentType = 'application/json'): RequestInit {
  return { method: 'POST', headers: { 'content-type': contentType }, body };
}

/** The request's completion line, which pino-http writes once the response is finished. */
async function requestLine(path: string): Promise<Record<string, unknown>> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const line = logLines.find(
      (entry) => (entry['req'] as { path?: string } | undefined)?.path === path,
    );
    if (line !== undefined) return line;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error(`no request log line for ${path}`);
}

describe('a service on the chassis', () => {
  it('serves its own routes, with a request id in the response and the log', async () => {
    const response = await request('/things', postJson('{"name":"a"}'));

    expect(response.status).toBe(201);
    expect(response.body).toEqual({ received: { name: 'a' } });
    const requestId = response.headers.get('x-request-id');
    expect(requestId).toMatch(/^[0-9a-f-]{36}$/);

    const line = await requestLine('/things');
    expect(line).toMatchObject({
      level: 'info',
      service: 'chassis-test',
      site: 'primary',
      req: { id: requestId, method: 'POST', path: '/things' },
      res: { statusCode: 201 },
    });
    expect(typeof line['durationMs']).toBe('number');
    expect(JSON.stringify(line)).not.toContain('content-type');
  });

  it("keeps a caller's valid x-request-id", async () => {
    const response = await request('/health/live', { headers: { 'x-request-id': 'gw-123.4' } });
    expect(response.headers.get('x-request-id')).toBe('gw-123.4');
  });

  it('logs probe requests at debug only', async () => {
    await request('/health/live');
    expect(await requestLine('/health/live')).toMatchObject({ level: 'debug' });
  });
});

describe('error responses', () => {
  it('answers malformed JSON with a 400 problem', async () => {
    const response = await request('/things', postJson('{"name":'));

    expect(response.status).toBe(400);
    expect(response.headers.get('content-type')).toBe('application/problem+json');
    expect(response.body).toMatchObject({
      type: 'about:blank',
      title: 'Bad Request',
      status: 400,
      instance: '/things',
      requestId: response.headers.get('x-request-id'),
    });
    expect(response.body['detail']).toBe(
      "Body is not valid JSON but content-type is set to 'application/json'",
    );
  });

  it('answers a body over the limit with a 413 problem naming the limit', async () => {
    const response = await request('/things', postJson(JSON.stringify({ name: 'x'.repeat(2000) })));

    expect(response.status).toBe(413);
    expect(response.headers.get('content-type')).toBe('application/problem+json');
    expect(response.body).toMatchObject({
      status: 413,
      detail: 'Request body is larger than the limit of 1024 bytes',
    });
  });

  it('answers an unsupported media type with a 415 problem naming it', async () => {
    const response = await request('/things', postJson('<thing/>', 'application/xml'));

    expect(response.status).toBe(415);
    expect(response.headers.get('content-type')).toBe('application/problem+json');
    expect(response.body).toMatchObject({
      status: 415,
      detail: 'Content-Type "application/xml" is not supported',
    });
  });

  it('answers an unknown route with a 404 problem, without echoing the query', async () => {
    const response = await request('/nowhere?nationalId=1985010112345');

    expect(response.status).toBe(404);
    expect(response.headers.get('content-type')).toBe('application/problem+json');
    expect(response.body).toMatchObject({
      status: 404,
      title: 'Not Found',
      detail: 'No route matches GET /nowhere',
      instance: '/nowhere',
    });
    expect(JSON.stringify(response.body)).not.toContain('1985010112345');
    expect(JSON.stringify(await requestLine('/nowhere'))).not.toContain('1985010112345');
  });

  it('answers a method a known path does not serve with a 405 problem listing those it does', async () => {
    const response = await request('/things/stale', { method: 'DELETE' });

    expect(response.status).toBe(405);
    expect(response.headers.get('allow')).toBe('GET, HEAD');
    expect(response.headers.get('content-type')).toBe('application/problem+json');
    expect(response.body).toMatchObject({
      status: 405,
      title: 'Method Not Allowed',
      instance: '/things/stale',
    });
  });

  it('maps a typed application error to its status, with its detail', async () => {
    const response = await request('/things/stale');

    expect(response.status).toBe(412);
    expect(response.headers.get('content-type')).toBe('application/problem+json');
    expect(response.body).toEqual({
      type: 'about:blank',
      title: 'Precondition Failed',
      status: 412,
      detail: 'Thing 7 is at version 3, not 2',
      instance: '/things/stale',
      requestId: response.headers.get('x-request-id'),
    });
  });

  it('lists the invalid fields of a validation failure', async () => {
    const response = await request('/things/invalid');

    expect(response.status).toBe(400);
    expect(response.body).toMatchObject({
      detail: '2 fields are invalid',
      errors: [
        { field: 'name', message: 'must not be empty' },
        { field: 'address.postcode', message: 'must be 4 digits' },
      ],
    });
  });

  it('tells when to retry a service-unavailable refusal', async () => {
    const response = await request('/things/busy');

    expect(response.status).toBe(503);
    expect(response.headers.get('retry-after')).toBe('30');
  });

  it("keeps a Nest HttpException's status and message", async () => {
    const response = await request('/things/missing');

    expect(response.status).toBe(404);
    expect(response.body).toMatchObject({ status: 404, detail: 'No thing with id 42' });
  });

  it('answers an unexpected error with a bare 500 and logs it with its stack', async () => {
    const response = await request('/things/boom');

    expect(response.status).toBe(500);
    expect(response.headers.get('content-type')).toBe('application/problem+json');
    expect(response.body).toMatchObject({ status: 500, title: 'Internal Server Error' });
    const text = JSON.stringify(response.body);
    expect(text).not.toContain('hunter2');
    expect(text).not.toContain('at ');
    expect(text).not.toContain('.ts');

    const requestId = response.headers.get('x-request-id');
    const logged = logLines.find(
      (line) => line['level'] === 'error' && line['err'] !== undefined,
    ) as { err: { message: string; stack: string }; reqId: string } | undefined;
    expect(logged?.err.message).toContain('hunter2');
    expect(logged?.err.stack).toContain('chassis.int.spec.ts');
    expect(logged?.reqId).toBe(requestId);
  });
});

describe('health probes', () => {
  it('reports live while the process runs, whatever the dependencies', async () => {
    database.state = 'down';
    const response = await request('/health/live');

    expect(response.status).toBe(200);
    expect(response.body).toEqual({ status: 'ok' });
  });

  it('reports ready when every check passes', async () => {
    const response = await request('/health/ready');

    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({
      status: 'ok',
      checks: [
        { name: 'database', status: 'up' },
        { name: 'broker', status: 'up' },
      ],
    });
  });

  it('reports 503 naming the failing check and its error', async () => {
    broker.state = 'down';
    const response = await request('/health/ready');

    expect(response.status).toBe(503);
    expect(response.headers.get('content-type')).toBe('application/problem+json');
    expect(response.body).toMatchObject({
      status: 503,
      detail: 'Not ready: broker (connection refused)',
      checks: [
        { name: 'database', status: 'up' },
        { name: 'broker', status: 'down', error: 'connection refused' },
      ],
    });
    expect(logLines.some((line) => line['level'] === 'warn' && line['check'] === 'broker')).toBe(
      true,
    );
  });

  it('fails a check that does not answer in time, running the checks in parallel', async () => {
    database.state = 'hanging';
    broker.state = 'hanging';
    const started = performance.now();
    const response = await request('/health/ready');

    expect(performance.now() - started).toBeLessThan(950);
    expect(response.status).toBe(503);
    expect(response.body['checks']).toEqual([
      expect.objectContaining({ name: 'database', error: 'no answer within 500 ms' }),
      expect.objectContaining({ name: 'broker', error: 'no answer within 500 ms' }),
    ]);
  });
});

describe('OpenAPI document', () => {
  it('is served as an OpenAPI 3 document that lists the routes', async () => {
    const response = await request('/openapi.json');

    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    const document = response.body as {
      openapi: string;
      info: { title: string; version: string };
      paths: Record<string, Record<string, unknown>>;
      components: { securitySchemes?: Record<string, unknown> };
    };
    expect(document.openapi).toMatch(/^3\.\d+\.\d+$/);
    // The scheme that @ApiBearerAuth() on a service's controllers refers to.
    expect(document.components.securitySchemes).toEqual({
      bearer: {
        type: 'http',
        scheme: 'bearer',
        bearerFormat: 'JWT',
        description: 'A platform JWT',
      },
    });
    expect(document.info).toMatchObject({ title: 'Things', version: '1.2.3' });
    expect(Object.keys(document.paths['/things'] ?? {})).toEqual(['post']);
    expect(document.paths['/health/ready']).toHaveProperty('get');
    expect(document.paths).not.toHaveProperty('/openapi.json');
  });
});

describe('metrics', () => {
  /** One scrape of the service's metrics. */
  async function scrape(): Promise<{ status: number; contentType: string | null; text: string }> {
    const response = await fetch(`${service.url}/metrics`);
    return {
      status: response.status,
      contentType: response.headers.get('content-type'),
      text: await response.text(),
    };
  }

  it('counts requests by route pattern, method and status class, and logs scrapes at debug', async () => {
    await request('/things', postJson('{"name":"b"}'));
    await request('/things/missing');
    await request('/things/no-such-route?id=7');

    const { status, contentType, text } = await scrape();

    expect(status).toBe(200);
    expect(contentType).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(text).toMatch(
      /^http_server_request_duration_seconds_count\{method="POST",route="\/things",status_class="2xx"\} [1-9]\d*$/m,
    );
    expect(text).toMatch(
      /^http_server_request_duration_seconds_count\{method="GET",route="\/things\/missing",status_class="4xx"\} [1-9]\d*$/m,
    );
    // A path that matches no route must not become a label value of its own.
    expect(text).not.toContain('no-such-route');
    expect(text).toMatch(
      /^http_server_request_duration_seconds_count\{method="GET",route="unmatched",status_class="4xx"\} [1-9]\d*$/m,
    );
    expect(text).toMatch(/^process_resident_memory_bytes \d+/m);
    expect(await requestLine('/metrics')).toMatchObject({ level: 'debug' });
  });

  it('writes no trace ids in log lines while tracing is off', async () => {
    await request('/things', postJson('{"name":"c"}'));
    const line = await requestLine('/things');
    expect(line).not.toHaveProperty('traceId');
  });
});
