import { ConfigError, loadConfig } from '@gov/platform-config';

import { letterboxConfigSchema } from './letterbox.config';

const auth = { AUTH_ISSUER: 'backbone-local', AUTH_AUDIENCE: 'backbone', AUTH_JWKS_FILE: '/k' };

describe('letterbox configuration', () => {
  it('has the letterbox defaults and its documents topic', () => {
    const config = loadConfig(letterboxConfigSchema, auth);

    expect(config).toMatchObject({
      serviceName: 'letterbox',
      http: { port: 3004 },
      database: { url: 'postgres://postgres@127.0.0.1:15432/letterbox' },
      eventsTopic: 'letterbox.events.v1',
      documentsTopic: 'letterbox.documents.v1',
      registryTopic: 'registry.events.v1',
    });
    expect(
      loadConfig(letterboxConfigSchema, { ...auth, LETTERBOX_REGISTRY_TOPIC: 'site-b.registry' })
        .registryTopic,
    ).toBe('site-b.registry');
  });

  it('takes another documents topic, and refuses to start without authentication', () => {
    expect(
      loadConfig(letterboxConfigSchema, { ...auth, DOCUMENTS_TOPIC: 'site-b.documents' })
        .documentsTopic,
    ).toBe('site-b.documents');
    expect(() => loadConfig(letterboxConfigSchema, {})).toThrow(ConfigError);
  });

  it('has procedures as the delivery agent and no registry by default', () => {
    const config = loadConfig(letterboxConfigSchema, auth);
    expect([...config.deliveryAgents]).toEqual(['procedures']);
    expect(config).toMatchObject({
      registryUrl: undefined,
      serviceToken: undefined,
      managersTtlMs: 30_000,
    });
  });

  it('takes the registry, one token source, the cache period and the delivery agents', () => {
    const config = loadConfig(letterboxConfigSchema, {
      ...auth,
      REGISTRY_URL: 'http://127.0.0.1:3001/',
      LETTERBOX_SIGNING_KEY_FILE: '/keys/private.jwk',
      REGISTRY_MANAGERS_TTL_MS: '0',
      LETTERBOX_DELIVERY_AGENTS: 'procedures, guichet-pro',
    });
    expect(config).toMatchObject({
      registryUrl: 'http://127.0.0.1:3001',
      serviceToken: { kind: 'signing-key', privateKeyFile: '/keys/private.jwk' },
      managersTtlMs: 0,
    });
    expect([...config.deliveryAgents]).toEqual(['procedures', 'guichet-pro']);
    expect([
      ...loadConfig(letterboxConfigSchema, { ...auth, LETTERBOX_DELIVERY_AGENTS: 'none' })
        .deliveryAgents,
    ]).toEqual([]);
  });

  it('refuses two token sources, a bad agent list and a cache period past five minutes', () => {
    for (const bad of [
      { LETTERBOX_TOKEN: 'abc', LETTERBOX_TOKEN_FILE: '/t' },
      { LETTERBOX_DELIVERY_AGENTS: 'Procedures;acd' },
      { REGISTRY_MANAGERS_TTL_MS: '300001' },
    ]) {
      expect(() => loadConfig(letterboxConfigSchema, { ...auth, ...bad })).toThrow(ConfigError);
    }
  });
});
