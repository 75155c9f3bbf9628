import { z } from 'zod';

import { ConfigError } from './config-error';
import { envInteger } from './env-variables';
import { loadConfig } from './load-config';
import type { Environment } from './load-config';
import { platformConfigSchema, platformVariables, toPlatformConfig } from './platform-config';

const defaults = { serviceName: 'example', httpPort: 3999, database: 'example' };
const schema = platformConfigSchema(defaults);

function configError(env: Environment): ConfigError {
  try {
    loadConfig(schema, env);
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('platformConfigSchema', () => {
  it('uses local defaults when nothing is set', () => {
    expect(loadConfig(schema, {})).toEqual({
      serviceName: 'example',
      http: { host: '127.0.0.1', port: 3999 },
      kafka: { brokers: ['127.0.0.1:19092'] },
      database: { url: 'postgres://postgres@127.0.0.1:15432/example' },
      logLevel: 'info',
      siteRole: 'primary',
      shutdownGraceMs: 10_000,
      rateLimit: {
        perMinute: 600,
        burst: 100,
        service: {
          perMinute: 6_000,
          burst: 1_000,
          principals: ['agency:procedures', 'agency:letterbox', 'operator:embassy-sync'],
        },
      },
    });
  });

  it('reads every variable, trimming whitespace and ignoring unknown ones', () => {
    const config = loadConfig(schema, {
      HTTP_HOST: '0.0.0.0',
      HTTP_PORT: ' 8080 ',
      KAFKA_BROKERS: 'kafka-0:9092, kafka-1:9092',
      DATABASE_URL: 'postgresql://app:pw@db.internal:5432/registry?sslmode=require',
      LOG_LEVEL: 'debug',
      SITE_ROLE: 'embassy',
      SHUTDOWN_GRACE_MS: '30000',
      RATE_LIMIT_PER_MINUTE: '60',
      RATE_LIMIT_BURST: '5',
      RATE_LIMIT_SERVICE_PER_MINUTE: '1200',
      RATE_LIMIT_SERVICE_BURST: '50',
      RATE_LIMIT_SERVICE_PRINCIPALS: 'agency:procedures, operator:embassy-sync',
      PATH: '/usr/bin',
    });
    expect(config).toEqual({
      serviceName: 'example',
      http: { host: '0.0.0.0', port: 8080 },
      kafka: { brokers: ['kafka-0:9092', 'kafka-1:9092'] },
      database: { url: 'postgresql://app:pw@db.internal:5432/registry?sslmode=require' },
      logLevel: 'debug',
      siteRole: 'embassy',
      shutdownGraceMs: 30_000,
      rateLimit: {
        perMinute: 60,
        burst: 5,
        service: {
          perMinute: 1_200,
          burst: 50,
          principals: ['agency:procedures', 'operator:embassy-sync'],
        },
      },
    });
  });

  it('authenticates to Kafka once a SASL password is set, as the service by default', () => {
    expect(
      loadConfig(schema, { KAFKA_SASL_PASSWORD: 'pw', KAFKA_TLS_CA_FILE: '/ca/ca.crt' }).kafka,
    ).toEqual({
      brokers: ['127.0.0.1:19092'],
      sasl: { mechanism: 'scram-sha-512', username: 'example', password: 'pw' },
      tls: { caFile: '/ca/ca.crt' },
    });
    expect(
      loadConfig(schema, {
        KAFKA_SASL_PASSWORD: 'pw',
        KAFKA_SASL_USERNAME: 'agency-ccss',
        KAFKA_SASL_MECHANISM: 'scram-sha-256',
      }).kafka.sasl,
    ).toEqual({ mechanism: 'scram-sha-256', username: 'agency-ccss', password: 'pw' });
  });

  it('rejects an unknown SASL mechanism, and never shows the password', () => {
    const error = configError({ KAFKA_SASL_MECHANISM: 'gssapi', KAFKA_SASL_PASSWORD: 'a b' });
    expect(error.issues.map((issue) => issue.variable)).toEqual([
      'KAFKA_SASL_PASSWORD',
      'KAFKA_SASL_MECHANISM',
    ]);
    expect(error.message).not.toContain('a b');
  });

  it('treats a blank variable as unset', () => {
    expect(loadConfig(schema, { HTTP_PORT: '', LOG_LEVEL: '  ' }).http.port).toBe(3999);
  });

  it('names the variable, the expectation and the value', () => {
    expect(configError({ HTTP_PORT: 'abc' }).message).toBe(
      'Invalid configuration: HTTP_PORT: expected an integer between 1 and 65535, got "abc"',
    );
  });

  it.each([
    ['HTTP_PORT', '0', 'expected an integer between 1 and 65535, got "0"'],
    ['HTTP_PORT', '65536', 'expected an integer between 1 and 65535, got "65536"'],
    ['HTTP_PORT', '80.5', 'expected an integer between 1 and 65535, got "80.5"'],
    ['HTTP_HOST', 'my host', 'expected a value without spaces, got "my host"'],
    ['KAFKA_BROKERS', 'kafka-0', 'expected a comma-separated list of host:port, got "kafka-0"'],
    ['KAFKA_BROKERS', 'a:1,,b:2', 'expected a comma-separated list of host:port, got "a:1,,b:2"'],
    [
      'DATABASE_URL',
      'mysql://db/x',
      'expected a URL starting with postgres:// or postgresql://, got "mysql://db/x"',
    ],
    [
      'LOG_LEVEL',
      'verbose',
      'expected one of fatal, error, warn, info, debug, trace, silent, got "verbose"',
    ],
    ['SITE_ROLE', 'backup', 'expected one of primary, embassy, got "backup"'],
    ['SHUTDOWN_GRACE_MS', '0', 'expected an integer between 1000 and 300000, got "0"'],
    ['RATE_LIMIT_BURST', '0', 'expected an integer between 1 and 1000000, got "0"'],
    [
      'RATE_LIMIT_SERVICE_PRINCIPALS',
      'procedures',
      'expected a comma-separated list of kind:subject, got "procedures"',
    ],
  ])('rejects %s=%j', (variable, value, reason) => {
    expect(configError({ [variable]: value }).issues).toEqual([{ variable, reason }]);
  });

  it('reports every invalid variable at once, in schema order', () => {
    const error = configError({ LOG_LEVEL: 'loud', HTTP_PORT: 'abc' });
    expect(error.issues.map((issue) => issue.variable)).toEqual(['HTTP_PORT', 'LOG_LEVEL']);
    expect(error.message).toBe(
      'Invalid configuration: HTTP_PORT: expected an integer between 1 and 65535, got "abc"; ' +
        'LOG_LEVEL: expected one of fatal, error, warn, info, debug, trace, silent, got "loud"',
    );
  });

  it('never shows a password from a rejected URL', () => {
    const { message } = configError({ DATABASE_URL: 'mysql://app:s3cret@db/x' });
    expect(message).not.toContain('s3cret');
    expect(message).toContain('DATABASE_URL');
  });
});

describe('a service schema with variables of its own', () => {
  // The example documented on `platformConfigSchema`, verbatim.
  const auditConfigSchema = z
    .object({
      ...platformVariables(defaults),
      AUDIT_CHECKPOINT_EVERY: envInteger({ min: 1, max: 1e6, default: 1000 }),
    })
    .transform((env) => ({
      ...toPlatformConfig(defaults.serviceName, env),
      checkpointEvery: env.AUDIT_CHECKPOINT_EVERY,
    }));

  it('returns the platform settings and its own', () => {
    const config = loadConfig(auditConfigSchema, { AUDIT_CHECKPOINT_EVERY: '50' });
    expect(config.http.port).toBe(3999);
    expect(config.checkpointEvery).toBe(50);
  });

  it('validates its own variables with the platform ones', () => {
    expect(() =>
      loadConfig(auditConfigSchema, { AUDIT_CHECKPOINT_EVERY: '0', HTTP_PORT: 'x' }),
    ).toThrow(
      'Invalid configuration: HTTP_PORT: expected an integer between 1 and 65535, got "x"; ' +
        'AUDIT_CHECKPOINT_EVERY: expected an integer between 1 and 1000000, got "0"',
    );
  });
});

describe('variables without a default, and secrets', () => {
  const schema = z.object({ SIGNING_SECRET_VERSION: envInteger({ min: 1, max: 100 }) });

  it('requires a variable without a default', () => {
    expect(() => loadConfig(schema, {})).toThrow(
      'Invalid configuration: SIGNING_SECRET_VERSION: is required but not set',
    );
  });

  it('redacts the value of a variable named like a secret', () => {
    expect(() => loadConfig(schema, { SIGNING_SECRET_VERSION: 'x' })).toThrow(
      'Invalid configuration: SIGNING_SECRET_VERSION: expected an integer between 1 and 100, ' +
        'got (redacted)',
    );
  });
});
