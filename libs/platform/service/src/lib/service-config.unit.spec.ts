import { ConfigError, loadConfig } from '@gov/platform-config';

import { eventSourcedServiceConfigSchema } from './service-config';

const schema = eventSourcedServiceConfigSchema({
  serviceName: 'consent',
  httpPort: 3003,
  database: 'consent',
});
const env = { AUTH_ISSUER: 'backbone-local', AUTH_AUDIENCE: 'backbone', AUTH_JWKS_FILE: '/k' };

describe('an event-sourced service’s configuration', () => {
  it('names its topic and replica group after the service', () => {
    expect(loadConfig(schema, env)).toMatchObject({
      serviceName: 'consent',
      http: { port: 3003 },
      database: { url: 'postgres://postgres@127.0.0.1:15432/consent' },
      eventsTopic: 'consent.events.v1',
      replicationSource: 'embassy',
      replicationGroup: 'consent.replica',
      replicationFetchBytes: 4 * 1024 * 1024,
    });
  });

  it('takes the topic, source and group from the environment', () => {
    expect(
      loadConfig(schema, {
        ...env,
        SITE_ROLE: 'embassy',
        EVENTS_TOPIC: 'consent.events.test',
        REPLICATION_GROUP: 'consent.rebuild',
        REPLICATION_FETCH_BYTES: '65536',
      }),
    ).toMatchObject({
      replicationFetchBytes: 65_536,
      eventsTopic: 'consent.events.test',
      replicationSource: 'primary',
      replicationGroup: 'consent.rebuild',
    });
  });

  it('refuses a topic that is not a token, naming the variable', () => {
    expect(() => loadConfig(schema, { ...env, EVENTS_TOPIC: 'two words' })).toThrow(ConfigError);
    expect(() => loadConfig(schema, { ...env, EVENTS_TOPIC: 'two words' })).toThrow(/EVENTS_TOPIC/);
  });
});
