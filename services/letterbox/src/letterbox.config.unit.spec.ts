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
    });
  });

  it('takes another documents topic, and refuses to start without authentication', () => {
    expect(
      loadConfig(letterboxConfigSchema, { ...auth, DOCUMENTS_TOPIC: 'site-b.documents' })
        .documentsTopic,
    ).toBe('site-b.documents');
    expect(() => loadConfig(letterboxConfigSchema, {})).toThrow(ConfigError);
  });
});
