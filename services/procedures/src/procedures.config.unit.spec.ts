import { loadConfig } from '@gov/platform-config';

import { proceduresConfigSchema } from './procedures.config';

const base = {
  AUTH_ISSUER: 'backbone-local',
  AUTH_AUDIENCE: 'backbone',
  AUTH_JWKS_FILE: '/k',
  REGISTRY_URL: 'http://127.0.0.1:3001/',
  CONSENT_URL: 'http://127.0.0.1:3003',
  PROCEDURES_SIGNING_KEY_FILE: '/keys/signing-key.jwk',
};

describe('the procedures service configuration', () => {
  it('mints its own token with the local key, and waits for a letterbox it is not given', () => {
    const config = loadConfig(proceduresConfigSchema, base);
    expect(config).toMatchObject({
      http: { port: 3002 },
      eventsTopic: 'procedures.events.v1',
      registryUrl: 'http://127.0.0.1:3001',
      letterboxUrl: undefined,
      serviceToken: { kind: 'signing-key', privateKeyFile: '/keys/signing-key.jwk' },
      previewTtlMs: 600_000,
      correctionNoticesTopic: 'registry.correction-notices.v1',
      registryTopic: 'registry.events.v1',
    });
    expect(
      loadConfig(proceduresConfigSchema, { ...base, PROCEDURES_REGISTRY_TOPIC: 'registry.x.v1' })
        .registryTopic,
    ).toBe('registry.x.v1');
    expect(
      loadConfig(proceduresConfigSchema, {
        ...base,
        CORRECTION_NOTICES_TOPIC: 'primary.registry.correction-notices.v1',
      }).correctionNoticesTopic,
    ).toBe('primary.registry.correction-notices.v1');
  });

  it('starts without the services it calls (the two-site harness starts it before them)', () => {
    const config = loadConfig(proceduresConfigSchema, {
      ...base,
      REGISTRY_URL: undefined,
      CONSENT_URL: undefined,
    });
    expect(config).toMatchObject({ registryUrl: undefined, consentUrl: undefined });
  });

  it('takes exactly one source of its token', () => {
    expect(() =>
      loadConfig(proceduresConfigSchema, { ...base, PROCEDURES_TOKEN_FILE: '/run/token' }),
    ).toThrow(/PROCEDURES_TOKEN: set exactly one of/);
    expect(() =>
      loadConfig(proceduresConfigSchema, { ...base, PROCEDURES_SIGNING_KEY_FILE: undefined }),
    ).toThrow(/PROCEDURES_TOKEN: set exactly one of/);
  });
});
