import { ConfigError, loadConfig } from '@gov/platform-config';

import { consentConfigSchema } from './consent.config';

const auth = { AUTH_ISSUER: 'backbone-local', AUTH_AUDIENCE: 'backbone', AUTH_JWKS_FILE: '/k' };

describe('consent configuration', () => {
  it('has the consent defaults and a shared receipt key folder', () => {
    const config = loadConfig(consentConfigSchema, { ...auth, RECEIPT_KEY_DIR: '/keys/receipts' });

    expect(config).toMatchObject({
      serviceName: 'consent',
      http: { port: 3003 },
      database: { url: 'postgres://postgres@127.0.0.1:15432/consent' },
      eventsTopic: 'consent.events.v1',
      receiptKey: { dir: '/keys/receipts' },
      legalBasesFile: undefined,
      jurisdiction: 'LU',
      registryTopic: 'registry.events.v1',
    });
  });

  it('takes a deployment’s key file and catalogue instead', () => {
    const config = loadConfig(consentConfigSchema, {
      ...auth,
      RECEIPT_SIGNING_KEY_FILE: '/secrets/receipt.jwk',
      LEGAL_BASES_FILE: '/config/legal-bases.json',
    });

    expect(config.receiptKey).toEqual({ privateKeyFile: '/secrets/receipt.jwk' });
    expect(config.legalBasesFile).toBe('/config/legal-bases.json');
  });

  it('refuses to start without a receipt key, or with two, naming the variable', () => {
    expect(() => loadConfig(consentConfigSchema, auth)).toThrow(ConfigError);
    expect(() =>
      loadConfig(consentConfigSchema, {
        ...auth,
        RECEIPT_KEY_DIR: '/a',
        RECEIPT_SIGNING_KEY_FILE: '/b',
      }),
    ).toThrow(/RECEIPT_KEY_DIR/);
  });
});
