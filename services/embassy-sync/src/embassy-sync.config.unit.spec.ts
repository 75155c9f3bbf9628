import { ConfigError, loadConfig } from '@gov/platform-config';

import { embassySyncConfigSchema } from './embassy-sync.config';

const base = {
  AUTH_JWKS_FILE: '/keys/jwks.json',
  AUTH_ISSUER: 'backbone-local',
  AUTH_AUDIENCE: 'backbone',
  SYNC_SIGNING_KEY_FILE: '/keys/signing-key.jwk',
};

describe('embassy-sync configuration', () => {
  it('watches the registry on the local ports by default and verifies nothing on the primary', () => {
    const config = loadConfig(embassySyncConfigSchema, base);

    expect(config).toMatchObject({
      serviceName: 'embassy-sync',
      http: { port: 3006 },
      siteRole: 'primary',
      services: [
        {
          name: 'registry',
          topic: 'registry.events.v1',
          primaryUrl: 'http://127.0.0.1:3001',
          embassyUrl: 'http://127.0.0.1:4001',
        },
      ],
      pollIntervalMs: 1000,
      windowMinutes: 5,
      operatorToken: { kind: 'signing-key', privateKeyFile: '/keys/signing-key.jwk' },
      checkpoints: {
        keys: {},
        intervalMs: 5000,
        topic: 'platform.checkpoints.v1',
        sourceTopic: undefined,
        groupId: 'embassy-sync.checkpoints',
      },
    });
  });

  it('verifies the mirrored checkpoints on the embassy', () => {
    const config = loadConfig(embassySyncConfigSchema, {
      ...base,
      SITE_ROLE: 'embassy',
      CHECKPOINT_KEY_DIR: '/cache/checkpoints',
    });

    expect(config.checkpoints).toMatchObject({
      keys: { dir: '/cache/checkpoints' },
      sourceTopic: 'primary.platform.checkpoints.v1',
    });
  });

  it('reads several services, trailing slashes trimmed', () => {
    const config = loadConfig(embassySyncConfigSchema, {
      ...base,
      SYNC_SERVICES:
        'registry=http://10.0.0.1:3001/,https://embassy.example/registry ; consent=http://a:1,http://b:2',
    });

    expect(config.services).toEqual([
      {
        name: 'registry',
        topic: 'registry.events.v1',
        primaryUrl: 'http://10.0.0.1:3001',
        embassyUrl: 'https://embassy.example/registry',
      },
      {
        name: 'consent',
        topic: 'consent.events.v1',
        primaryUrl: 'http://a:1',
        embassyUrl: 'http://b:2',
      },
    ]);
  });

  it('takes an operator token as is, or from a file', () => {
    const withoutKey = { ...base, SYNC_SIGNING_KEY_FILE: undefined };

    expect(
      loadConfig(embassySyncConfigSchema, { ...withoutKey, SYNC_OPERATOR_TOKEN: 'eyJ.x.y' })
        .operatorToken,
    ).toEqual({ kind: 'token', token: 'eyJ.x.y' });
    expect(
      loadConfig(embassySyncConfigSchema, { ...withoutKey, SYNC_OPERATOR_TOKEN_FILE: '/run/t' })
        .operatorToken,
    ).toEqual({ kind: 'token-file', path: '/run/t' });
  });

  it.each([
    [{ SYNC_SERVICES: 'registry=http://a:1' }, 'SYNC_SERVICES: expected name=<primary URL>'],
    [{ SYNC_SERVICES: 'registry=ftp://a:1,http://b:2' }, 'SYNC_SERVICES: expected name='],
    [
      { SYNC_SERVICES: 'registry=http://a:1,http://b:2;registry=http://c:1,http://d:2' },
      'registry is listed twice',
    ],
    [
      { SYNC_OPERATOR_TOKEN: 'secret' },
      'SYNC_OPERATOR_TOKEN: set exactly one of SYNC_OPERATOR_TOKEN, SYNC_OPERATOR_TOKEN_FILE and SYNC_SIGNING_KEY_FILE',
    ],
    [
      { CHECKPOINT_KEY_DIR: '/d', CHECKPOINT_KEY_FILE: '/k.pem' },
      'CHECKPOINT_KEY_DIR: set either CHECKPOINT_KEY_DIR or the key files, not both',
    ],
    [{ SYNC_POLL_MS: '10' }, 'SYNC_POLL_MS: expected an integer between 100 and 60000'],
  ])('refuses %j', (env, message) => {
    expect(() => loadConfig(embassySyncConfigSchema, { ...base, ...env })).toThrow(ConfigError);
    expect(() => loadConfig(embassySyncConfigSchema, { ...base, ...env })).toThrow(message);
  });

  it('does not show a rejected token in the error', () => {
    expect(() =>
      loadConfig(embassySyncConfigSchema, { ...base, SYNC_OPERATOR_TOKEN: 'secret value' }),
    ).toThrow(/SYNC_OPERATOR_TOKEN: expected a value without spaces, got \(redacted\)/);
  });
});
