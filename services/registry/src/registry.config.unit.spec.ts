import { ConfigError, loadConfig } from '@gov/platform-config';

import { registryConfigSchema } from './registry.config';

const auth = { AUTH_ISSUER: 'backbone-local', AUTH_AUDIENCE: 'backbone' };

describe('registry configuration', () => {
  it('reads the keys from a JWKS file, with the registry defaults', () => {
    const config = loadConfig(registryConfigSchema, { ...auth, AUTH_JWKS_FILE: '/keys/jwks.json' });

    expect(config).toMatchObject({
      serviceName: 'registry',
      http: { port: 3001 },
      database: { url: 'postgres://postgres@127.0.0.1:15432/registry' },
      auth: {
        keys: { kind: 'jwks-file', path: '/keys/jwks.json' },
        issuer: 'backbone-local',
        audience: 'backbone',
      },
      eventsTopic: 'registry.events.v1',
    });
  });

  it('reads the keys from the identity provider’s JWKS URL', () => {
    const config = loadConfig(registryConfigSchema, {
      ...auth,
      AUTH_JWKS_URL: 'https://idp.example/jwks.json',
    });

    expect(config.auth.keys).toEqual({ kind: 'jwks-url', url: 'https://idp.example/jwks.json' });
  });

  it('replicates from the other site: the primary on the embassy, the embassy on the primary', () => {
    const file = { ...auth, AUTH_JWKS_FILE: '/k' };
    expect(loadConfig(registryConfigSchema, { ...file, SITE_ROLE: 'embassy' })).toMatchObject({
      siteRole: 'embassy',
      replicationSource: 'primary',
      replicationGroup: 'registry.replica',
    });
    expect(loadConfig(registryConfigSchema, file)).toMatchObject({
      siteRole: 'primary',
      replicationSource: 'embassy',
    });
    expect(
      loadConfig(registryConfigSchema, {
        ...file,
        SITE_ROLE: 'embassy',
        REPLICATION_SOURCE: 'lux-1',
        REPLICATION_GROUP: 'registry.rebuild',
      }),
    ).toMatchObject({ replicationSource: 'lux-1', replicationGroup: 'registry.rebuild' });
  });

  it('asks consents at CONSENT_URL when set (without a trailing slash), nowhere otherwise', () => {
    const file = { ...auth, AUTH_JWKS_FILE: '/k' };
    expect(
      loadConfig(registryConfigSchema, { ...file, CONSENT_URL: 'http://127.0.0.1:3003/' }),
    ).toMatchObject({ consentUrl: 'http://127.0.0.1:3003' });
    expect(loadConfig(registryConfigSchema, file).consentUrl).toBeUndefined();
  });

  it.each([
    [{ ...auth }, 'AUTH_JWKS_URL: set exactly one of AUTH_JWKS_URL and AUTH_JWKS_FILE'],
    [
      { ...auth, AUTH_JWKS_FILE: '/k', AUTH_JWKS_URL: 'https://idp.example/jwks.json' },
      'AUTH_JWKS_URL: set exactly one of AUTH_JWKS_URL and AUTH_JWKS_FILE',
    ],
    [{ AUTH_JWKS_FILE: '/k', AUTH_AUDIENCE: 'backbone' }, 'AUTH_ISSUER: is required but not set'],
    [{ ...auth, AUTH_JWKS_FILE: '/k', CONSENT_URL: 'consent:3003' }, 'CONSENT_URL'],
  ])('refuses %j', (env, message) => {
    expect(() => loadConfig(registryConfigSchema, env)).toThrow(ConfigError);
    expect(() => loadConfig(registryConfigSchema, env)).toThrow(message);
  });
});
