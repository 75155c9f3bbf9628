import { ConfigError, loadConfig } from '@gov/platform-config';

import { auditConfigSchema } from './audit.config';

const base = {
  AUTH_ISSUER: 'backbone-local',
  AUTH_AUDIENCE: 'backbone',
  AUTH_JWKS_FILE: '/keys/jwks.json',
};

describe('audit configuration', () => {
  it('has the audit defaults: port 3005, its database and topic, the sources, heads every 10 s', () => {
    const config = loadConfig(auditConfigSchema, {
      ...base,
      AUDIT_SIGNING_KEY_FILE: '/keys/sth.jwk',
    });

    expect(config).toMatchObject({
      serviceName: 'audit',
      http: { port: 3005 },
      database: { url: 'postgres://postgres@127.0.0.1:15432/audit' },
      eventsTopic: 'audit.events.v1',
      treeHeads: { keyFile: '/keys/sth.jwk', createKey: false, intervalMs: 10_000 },
      sources: {
        registryTopic: 'registry.events.v1',
        consentTopic: 'consent.events.v1',
        letterboxTopic: 'letterbox.events.v1',
      },
      feeds: { topicTemplate: 'registry.changes.{organisation}.v1' },
      legalBasesFile: undefined,
    });
  });

  it('takes the feeds from AUDIT_FEED_TOPIC_TEMPLATE, refusing one without the organisation', () => {
    const config = loadConfig(auditConfigSchema, {
      ...base,
      AUDIT_SIGNING_KEY_FILE: '/k',
      AUDIT_FEED_TOPIC_TEMPLATE: 'test-feeds.{organisation}.v1',
      LEGAL_BASES_FILE: '/config/legal-bases.json',
    });
    expect(config.feeds.topicTemplate).toBe('test-feeds.{organisation}.v1');
    expect(config.legalBasesFile).toBe('/config/legal-bases.json');
    const shared = { ...base, AUDIT_SIGNING_KEY_FILE: '/k', AUDIT_FEED_TOPIC_TEMPLATE: 'feeds.v1' };
    expect(() => loadConfig(auditConfigSchema, shared)).toThrow(/AUDIT_FEED_TOPIC_TEMPLATE/);
  });

  it('refuses to start without a signing key, or with a bad value, naming the variable', () => {
    expect(() => loadConfig(auditConfigSchema, base)).toThrow(ConfigError);
    expect(() => loadConfig(auditConfigSchema, base)).toThrow(/AUDIT_SIGNING_KEY_FILE/);
    const bad = { ...base, AUDIT_SIGNING_KEY_FILE: '/k', AUDIT_SIGNING_KEY_CREATE: 'yes' };
    expect(() => loadConfig(auditConfigSchema, bad)).toThrow(/AUDIT_SIGNING_KEY_CREATE/);
    const interval = { ...base, AUDIT_SIGNING_KEY_FILE: '/k', AUDIT_TREE_HEAD_INTERVAL_MS: '-1' };
    expect(() => loadConfig(auditConfigSchema, interval)).toThrow(/AUDIT_TREE_HEAD_INTERVAL_MS/);
  });

  it('takes the letterbox topic from AUDIT_LETTERBOX_TOPIC', () => {
    const config = loadConfig(auditConfigSchema, {
      ...base,
      AUDIT_SIGNING_KEY_FILE: '/k',
      AUDIT_LETTERBOX_TOPIC: 'primary.letterbox.events.v1',
    });
    expect(config.sources.letterboxTopic).toBe('primary.letterbox.events.v1');
  });
});
