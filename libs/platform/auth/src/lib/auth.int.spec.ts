import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { Controller, Get, Module, UseGuards } from '@nestjs/common';
import { SignJWT, generateKeyPair } from 'jose';

import { READINESS_CHECKS, startService } from '@gov/platform-chassis';
import type { RunningService } from '@gov/platform-chassis';
import type { PlatformConfig } from '@gov/platform-config';

import { AuthGuard, CurrentPrincipal, Roles } from './auth.guard';
import { AuthModule } from './auth.module';
import { ensureLocalSigningKeys, mintToken } from './local-keys';
import type { LocalSigningKeys, TokenRequest } from './local-keys';
import type { Principal } from './principal';
import type { KeySource } from './token-verifier';

@Controller('records')
@UseGuards(AuthGuard)
class RecordsController {
  @Get('mine')
  mine(@CurrentPrincipal() principal: Principal): Principal {
    return principal;
  }

  @Get('registry-only')
  @Roles('registrar')
  registryOnly(@CurrentPrincipal() principal: Principal): { ok: string } {
    return { ok: principal.subject };
  }
}

const ISSUER = 'backbone-test';
const AUDIENCE = 'backbone';

const config: PlatformConfig = {
  serviceName: 'auth-test',
  http: { host: '127.0.0.1', port: 0 },
  kafka: { brokers: [] },
  database: { url: 'postgres://unused' },
  logLevel: 'warn',
  siteRole: 'primary',
  shutdownGraceMs: 1_000,
  rateLimit: {
    perMinute: 60_000,
    burst: 10_000,
    service: { perMinute: 60_000, burst: 10_000, principals: [] },
  },
};

async function startWith(
  keys: KeySource,
  rateLimit: PlatformConfig['rateLimit'] = config.rateLimit,
): Promise<RunningService> {
  @Module({
    imports: [AuthModule.forRoot({ keys, issuer: ISSUER, audience: AUDIENCE })],
    controllers: [RecordsController],
    providers: [{ provide: READINESS_CHECKS, useValue: [] }],
    exports: [READINESS_CHECKS],
  })
  class TestModule {}
  return startService({
    config: { ...config, rateLimit },
    module: TestModule,
    openapi: { title: 't', description: 't', version: '1' },
  });
}

describe('bearer token authentication over HTTP', () => {
  let dir: string;
  let keys: LocalSigningKeys;
  let service: RunningService;

  const token = (overrides: Partial<TokenRequest> = {}): Promise<string> =>
    mintToken(keys.privateKeyFile, {
      role: 'citizen',
      subject: '1983081246785',
      issuer: ISSUER,
      audience: AUDIENCE,
      ...overrides,
    });

  const get = async (path: string, bearer?: string) => {
    const response = await fetch(`${service.url}${path}`, {
      headers: bearer === undefined ? {} : { authorization: `Bearer ${bearer}` },
    });
    return {
      status: response.status,
      contentType: response.headers.get('content-type'),
      challenge: response.headers.get('www-authenticate'),
      body: (await response.json()) as Record<string, unknown>,
    };
  };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'auth-'));
    keys = await ensureLocalSigningKeys(dir);
    service = await startWith({ kind: 'jwks-file', path: keys.jwksFile });
  });

  afterAll(async () => {
    await service.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('creates the key pair once and keeps it', async () => {
    const before = readFileSync(keys.jwksFile, 'utf8');
    await ensureLocalSigningKeys(dir);
    expect(readFileSync(keys.jwksFile, 'utf8')).toBe(before);
    expect(JSON.parse(before)).toMatchObject({
      keys: [{ kty: 'OKP', crv: 'Ed25519', alg: 'EdDSA' }],
    });
    expect(before).not.toContain('"d"');
  });

  it('answers 401 with a challenge when the token is missing', async () => {
    const response = await get('/records/mine');
    expect(response.status).toBe(401);
    expect(response.contentType).toBe('application/problem+json');
    expect(response.challenge).toBe('Bearer realm="backbone"');
    expect(response.body['detail']).toMatch(/bearer token is required/);
  });

  it.each([
    ['garbage', () => Promise.resolve('not.a.jwt'), /not a valid signed JWT/],
    ['expired', () => token({ expiresIn: '-5m' }), /expired/],
    ['for another audience', () => token({ audience: 'elsewhere' }), /"aud" claim/],
    ['from another issuer', () => token({ issuer: 'elsewhere' }), /"iss" claim/],
    [
      'whose citizen subject is not a national id',
      () => token({ role: 'citizen', subject: 'jane' }),
      /national identification number/,
    ],
  ])('answers 401 for a token %s', async (_, make, detail) => {
    const response = await get('/records/mine', await make());
    expect(response.status).toBe(401);
    expect(response.challenge).toBe('Bearer realm="backbone", error="invalid_token"');
    expect(response.body['detail']).toMatch(detail);
  });

  it('answers 401 for a token signed by a key it does not trust', async () => {
    const { privateKey } = await generateKeyPair('EdDSA', { crv: 'Ed25519' });
    const forged = await new SignJWT({ role: 'registrar', registers: ['persons'] })
      .setProtectedHeader({ alg: 'EdDSA' })
      .setSubject('intruder')
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .setExpirationTime('1h')
      .sign(privateKey);
    const response = await get('/records/registry-only', forged);
    expect(response.status).toBe(401);
    expect(response.body['detail']).toMatch(/not signed by a trusted key/);
  });

  it('hands the verified principal to the handler', async () => {
    const response = await get(
      '/records/mine',
      await token({ role: 'agency', subject: 'svc-1', organisationId: 'ccss' }),
    );
    expect(response.status).toBe(200);
    expect(response.body).toEqual({ kind: 'agency', subject: 'svc-1', organisationId: 'ccss' });
  });

  it('answers 403 when the role does not fit the route, 200 when it does', async () => {
    const citizen = await get('/records/registry-only', await token());
    expect(citizen.status).toBe(403);
    expect(citizen.body['detail']).toMatch(/open to registrar tokens, not citizen/);

    const registrar = await get(
      '/records/registry-only',
      await token({ role: 'registrar', subject: 'clerk-1', registers: ['persons'] }),
    );
    expect(registrar.status).toBe(200);
    expect(registrar.body).toEqual({ ok: 'clerk-1' });
  });

  it('verifies against a JWKS URL, as a deployment does', async () => {
    const jwks = readFileSync(keys.jwksFile);
    const server: Server = createServer((_, response) => {
      response.writeHead(200, { 'content-type': 'application/json' }).end(jwks);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    const remote = await startWith({
      kind: 'jwks-url',
      url: `http://127.0.0.1:${String(port)}/jwks.json`,
    });
    try {
      const response = await fetch(`${remote.url}/records/mine`, {
        headers: { authorization: `Bearer ${await token()}` },
      });
      expect(response.status).toBe(200);
    } finally {
      await remote.close();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});

describe('per-principal rate limits over HTTP', () => {
  let dir: string;
  let keys: LocalSigningKeys;
  let service: RunningService;

  const token = (overrides: Partial<TokenRequest> = {}): Promise<string> =>
    mintToken(keys.privateKeyFile, {
      role: 'citizen',
      subject: '1983081246785',
      issuer: ISSUER,
      audience: AUDIENCE,
      ...overrides,
    });

  const get = async (path: string, bearer?: string) => {
    const response = await fetch(`${service.url}${path}`, {
      headers: bearer === undefined ? {} : { authorization: `Bearer ${bearer}` },
    });
    await response.arrayBuffer();
    return {
      status: response.status,
      contentType: response.headers.get('content-type'),
      retryAfter: response.headers.get('retry-after'),
      rateLimit: response.headers.get('ratelimit'),
      policy: response.headers.get('ratelimit-policy'),
    };
  };

  /** Calls `path` until it answers 429 (at most `max` times); the answers, the 429 last. */
  const hammer = async (path: string, bearer: string | undefined, max = 50) => {
    const answers: Awaited<ReturnType<typeof get>>[] = [];
    for (let call = 0; call < max; call += 1) {
      const answer = await get(path, bearer);
      answers.push(answer);
      if (answer.status === 429) break;
    }
    return answers;
  };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'auth-limits-'));
    keys = await ensureLocalSigningKeys(dir);
    // 2 a minute: no bucket refills noticeably while a test runs.
    service = await startWith(
      { kind: 'jwks-file', path: keys.jwksFile },
      {
        perMinute: 2,
        burst: 5,
        service: { perMinute: 2, burst: 8, principals: ['agency:procedures'] },
      },
    );
  });

  afterAll(async () => {
    await service.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('answers 429 problem+json with Retry-After once a principal has spent its burst', async () => {
    const answers = await hammer('/records/mine', await token({ subject: '1983081246785' }));

    expect(answers.map((answer) => answer.status)).toEqual([200, 200, 200, 200, 200, 429]);
    expect(answers[0]).toMatchObject({
      rateLimit: '"default";r=4;t=30',
      policy: '"default";q=5;w=150',
    });
    expect(answers[5]).toMatchObject({
      contentType: 'application/problem+json',
      // 2 a minute: the next request is allowed in 30 s.
      retryAfter: '30',
      rateLimit: '"default";r=0;t=150',
      policy: '"default";q=5;w=150',
    });
  });

  it('keeps the principals apart: another citizen, and the same one under another token', async () => {
    const first = await hammer('/records/mine', await token({ subject: '1990010112345' }));
    expect(first.at(-1)?.status).toBe(429);

    // A new token of the same person draws from the same bucket.
    expect((await get('/records/mine', await token({ subject: '1990010112345' }))).status).toBe(
      429,
    );
    // Another person, from the same address, is unaffected.
    expect((await get('/records/mine', await token({ subject: '1990010154321' }))).status).toBe(
      200,
    );
  });

  it('limits requests without a valid token by client address, apart from principals', async () => {
    const anonymous = await hammer('/records/mine', undefined);
    expect(anonymous.map((answer) => answer.status)).toEqual([401, 401, 401, 401, 401, 429]);
    // An invalid token is no way around it: it counts against the address too.
    expect((await get('/records/mine', 'not.a.jwt')).status).toBe(429);
    expect((await get('/records/mine', await token({ expiresIn: '-5m' }))).status).toBe(429);

    expect((await get('/records/mine', await token({ subject: '1975050512345' }))).status).toBe(
      200,
    );
  });

  it('gives the platform’s own services their larger class', async () => {
    const answers = await hammer(
      '/records/mine',
      await token({ role: 'agency', subject: 'procedures', organisationId: 'procedures' }),
    );

    expect(answers).toHaveLength(9);
    expect(answers.at(-1)).toMatchObject({ status: 429, policy: '"service";q=8;w=240' });
  });

  it('counts the refusals in the metrics, by route and class', async () => {
    const metrics = await (await fetch(`${service.url}/metrics`)).text();
    expect(metrics).toMatch(
      /^http_rate_limited_total\{route="\/records\/mine",class="default"\} [1-9]/m,
    );
    expect(metrics).toMatch(
      /^http_rate_limited_total\{route="\/records\/mine",class="service"\} 1$/m,
    );
  });

  it('never limits the probes and the metrics', async () => {
    for (const path of ['/health/live', '/health/ready', '/metrics']) {
      const answers = await Promise.all(Array.from({ length: 12 }, () => get(path)));
      expect(answers.map((answer) => answer.status)).toEqual(Array<number>(12).fill(200));
      expect(answers[0]?.rateLimit).toBeNull();
    }
  });

  it('documents the 429 and its Retry-After on every limited operation, and only there', () => {
    const { paths } = service.openApiDocument;
    const responses = (path: string) =>
      (paths[path]?.get?.responses ?? {}) as Record<string, { headers?: object }>;

    expect(responses('/records/mine')['429']?.headers).toHaveProperty('Retry-After');
    expect(responses('/records/registry-only')['429']?.headers).toHaveProperty('Retry-After');
    expect(responses('/health/live')).not.toHaveProperty('429');
    expect(responses('/metrics')).not.toHaveProperty('429');
  });
});
