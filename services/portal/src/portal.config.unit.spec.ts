import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { ConfigError, loadConfig } from '@gov/platform-config';

import { loadSecrets, parseSiteServices, portalConfigSchema } from './portal.config';

const secret = Buffer.alloc(32, 7).toString('base64');
let dir: string;
let clientSecretFile: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'portal-config-'));
  clientSecretFile = join(dir, 'client-secret');
  writeFileSync(clientSecretFile, 'the-client-secret\n');
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

const local = {
  PORTAL_SIGNING_KEY_FILE: '/keys/signing-key.jwk',
  AUTH_ISSUER: 'backbone-local',
  AUTH_AUDIENCE: 'backbone',
};

function problems(env: Record<string, string>): string[] {
  try {
    loadConfig(portalConfigSchema, env);
    return [];
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    return error.issues.map((issue) => `${issue.variable}: ${issue.reason}`);
  }
}

describe('the portal configuration', () => {
  it('signs in locally with the platform key, on port 3000, the services on their local ports', () => {
    const config = loadConfig(portalConfigSchema, local);
    expect(config.http.port).toBe(3000);
    expect(config.signIn).toEqual({
      kind: 'local',
      signingKeyFile: '/keys/signing-key.jwk',
      issuer: 'backbone-local',
      audience: 'backbone',
      demoFile: undefined,
    });
    expect(config.services.registry).toBe('http://127.0.0.1:3001');
    expect(config.sessionSecret).toEqual({ kind: 'random' });
    expect(loadSecrets(config).sessionKey).toHaveLength(32);
    expect(config.secureCookies).toBe(false);
  });

  it('signs in with OpenID Connect when the provider is configured, with a given session key', () => {
    const config = loadConfig(portalConfigSchema, {
      PORTAL_OIDC_ISSUER: 'https://id.example.lu/realms/citizens',
      PORTAL_OIDC_CLIENT_ID: 'portal',
      PORTAL_OIDC_CLIENT_SECRET_FILE: clientSecretFile,
      PORTAL_PUBLIC_URL: 'https://portal.example.lu/',
      PORTAL_SESSION_SECRET: secret,
      REGISTRY_URL: 'http://registry:3001/',
    });
    expect(config.signIn).toEqual({
      kind: 'oidc',
      issuer: 'https://id.example.lu/realms/citizens',
      clientId: 'portal',
      clientSecretFile,
      publicUrl: 'https://portal.example.lu',
      scopes: 'openid profile',
      resource: undefined,
      roleClaim: 'role',
    });
    expect(config.sessionSecret).toEqual({ kind: 'value', value: Buffer.from(secret, 'base64') });
    expect(loadSecrets(config).clientSecret).toBe('the-client-secret');
    expect(config.secureCookies).toBe(true);
    expect(config.services.registry).toBe('http://registry:3001');
  });

  it.each([
    [{}, /PORTAL_SIGNING_KEY_FILE: set either/],
    [
      { ...local, PORTAL_OIDC_ISSUER: 'https://id.example.lu' },
      /PORTAL_SIGNING_KEY_FILE: set either/,
    ],
    [{ PORTAL_SIGNING_KEY_FILE: '/k' }, /AUTH_ISSUER: local sign-in mints tokens/],
    [
      {
        PORTAL_OIDC_ISSUER: 'https://id.example.lu',
        PORTAL_OIDC_CLIENT_ID: 'portal',
        PORTAL_OIDC_CLIENT_SECRET_FILE: '/s',
        PORTAL_PUBLIC_URL: 'https://portal.example.lu',
      },
      /PORTAL_SESSION_SECRET: OpenID Connect sign-in needs/,
    ],
    [
      {
        PORTAL_OIDC_ISSUER: 'http://id.example.lu',
        PORTAL_OIDC_CLIENT_ID: 'portal',
        PORTAL_OIDC_CLIENT_SECRET_FILE: '/s',
        PORTAL_PUBLIC_URL: 'https://portal.example.lu',
        PORTAL_SESSION_SECRET: secret,
      },
      /PORTAL_OIDC_ISSUER: the identity provider must be reached over https/,
    ],
    [{ ...local, PORTAL_SESSION_SECRET: 'c2hvcnQ=' }, /PORTAL_SESSION_SECRET: .*at least 32 bytes/],
    [{ ...local, PORTAL_OIDC_SCOPES: 'profile email' }, /PORTAL_OIDC_SCOPES: .*including openid/],
  ])('refuses %j', (env, expected) => {
    expect(problems(env).join('\n')).toMatch(expected);
  });

  it('reads the secrets named by file at start-up, and names the variable of a bad one', () => {
    const keyFile = join(dir, 'session-key');
    writeFileSync(keyFile, `${Buffer.alloc(40, 3).toString('base64')}\n`);
    const fromFile = loadConfig(portalConfigSchema, {
      ...local,
      PORTAL_SESSION_SECRET_FILE: keyFile,
    });
    expect(loadSecrets(fromFile).sessionKey.equals(Buffer.alloc(40, 3))).toBe(true);

    writeFileSync(keyFile, 'c2hvcnQ=');
    expect(() => loadSecrets(fromFile)).toThrow(
      /PORTAL_SESSION_SECRET_FILE: .* must hold at least 32 bytes/,
    );
    const missing = loadConfig(portalConfigSchema, {
      ...local,
      PORTAL_SESSION_SECRET_FILE: join(dir, 'nope'),
    });
    expect(() => loadSecrets(missing)).toThrow(/PORTAL_SESSION_SECRET_FILE: cannot read .*nope/);
    const oidc = loadConfig(portalConfigSchema, {
      PORTAL_OIDC_ISSUER: 'https://id.example.lu',
      PORTAL_OIDC_CLIENT_ID: 'portal',
      PORTAL_OIDC_CLIENT_SECRET_FILE: join(dir, 'no-secret'),
      PORTAL_PUBLIC_URL: 'https://portal.example.lu',
      PORTAL_SESSION_SECRET: secret,
    });
    expect(() => loadSecrets(oidc)).toThrow(/PORTAL_OIDC_CLIENT_SECRET_FILE: cannot read/);
  });

  it('reads both sites of each replicated service', () => {
    expect(
      parseSiteServices('registry=http://r1:3001/,http://r2:4001;audit=http://a1,http://a2'),
    ).toEqual({
      ok: true,
      value: [
        { name: 'registry', primaryUrl: 'http://r1:3001', embassyUrl: 'http://r2:4001' },
        { name: 'audit', primaryUrl: 'http://a1', embassyUrl: 'http://a2' },
      ],
    });
    expect(parseSiteServices('registry=http://r1').ok).toBe(false);
  });
});
