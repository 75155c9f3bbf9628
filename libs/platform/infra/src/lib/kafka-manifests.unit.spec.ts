import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import {
  KafkaManifestError,
  aclAllows,
  loadKafkaTopics,
  loadKafkaUsers,
  parseKafkaTopics,
  parseKafkaUsers,
} from './kafka-manifests';
import type { KafkaUserSpec } from './kafka-manifests';
import { aclBindings, formatScramArguments, generateCredentials } from './kafka-security';
import { repoRoot } from './paths';

const USERS = `
# a comment, and a resource of another kind in between
apiVersion: kafka.strimzi.io/v1
kind: KafkaUser
metadata: { name: svc, namespace: backbone }
spec:
  authentication: { type: scram-sha-512 }
  authorization:
    type: simple
    acls:
      - resource:
          type: topic
          name: 'svc.events.v1'
          patternType: literal
        operations: [Write, Describe]
      - resource: { type: group, name: svc., patternType: prefix }
        operations: [Read]
      - resource: { type: cluster }
        operations: [IdempotentWrite]
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: { name: not-a-user }
---
apiVersion: kafka.strimzi.io/v1
kind: KafkaTopic
metadata: { name: svc.events.v1 }
spec:
  topicName: svc.events.v1
  partitions: 6
  replicas: 3
  config: { retention.ms: -1, cleanup.policy: delete }
`;

function user(acls: string): string {
  return `apiVersion: kafka.strimzi.io/v1
kind: KafkaUser
metadata: { name: u }
spec:
  authentication: { type: scram-sha-512 }
  authorization:
    type: simple
    acls:
${acls}`;
}

describe('KafkaUser manifests as the local clusters read them', () => {
  it('turns each rule into its resource, pattern and operations; the cluster as kafka-cluster', () => {
    expect(parseKafkaUsers(USERS, 'k8s/x.yaml')).toEqual([
      {
        name: 'svc',
        file: 'k8s/x.yaml',
        acls: [
          {
            resourceType: 'topic',
            resourceName: 'svc.events.v1',
            patternType: 'literal',
            operations: ['Write', 'Describe'],
          },
          {
            resourceType: 'group',
            resourceName: 'svc.',
            patternType: 'prefix',
            operations: ['Read'],
          },
          {
            resourceType: 'cluster',
            resourceName: 'kafka-cluster',
            patternType: 'literal',
            operations: ['IdempotentWrite'],
          },
        ],
      },
    ]);
  });

  it('becomes one allow binding per operation for User:<name>, prefix as PREFIXED', () => {
    expect(aclBindings(parseKafkaUsers(USERS, 'k8s/x.yaml'))).toEqual([
      {
        principal: 'User:svc',
        resourceType: 'topic',
        resourceName: 'svc.events.v1',
        patternType: 'literal',
        operation: 'Write',
      },
      {
        principal: 'User:svc',
        resourceType: 'topic',
        resourceName: 'svc.events.v1',
        patternType: 'literal',
        operation: 'Describe',
      },
      {
        principal: 'User:svc',
        resourceType: 'group',
        resourceName: 'svc.',
        patternType: 'prefixed',
        operation: 'Read',
      },
      {
        principal: 'User:svc',
        resourceType: 'cluster',
        resourceName: 'kafka-cluster',
        patternType: 'literal',
        operation: 'IdempotentWrite',
      },
    ]);
  });

  it.each([
    [
      'a deny rule',
      '      - { resource: { type: topic, name: t }, operations: [Read], type: deny }\n',
    ],
    [
      'a host',
      '      - { resource: { type: topic, name: t }, operations: [Read], host: 10.0.0.1 }\n',
    ],
    [
      'an unknown operation',
      '      - { resource: { type: topic, name: t }, operations: [Reed] }\n',
    ],
    [
      'an unknown resource type',
      '      - { resource: { type: user, name: t }, operations: [Read] }\n',
    ],
    [
      'a single operation field',
      '      - { resource: { type: topic, name: t }, operation: Read }\n',
    ],
    ['a topic without a name', '      - { resource: { type: topic }, operations: [Read] }\n'],
  ])('refuses %s rather than dropping the rule', (_, rule) => {
    expect(() => parseKafkaUsers(user(rule), 'k8s/u.yaml')).toThrow(KafkaManifestError);
  });

  it('reads a KafkaTopic with its partitions and configuration as strings', () => {
    expect(parseKafkaTopics(USERS, 'k8s/x.yaml')).toEqual([
      {
        topic: 'svc.events.v1',
        file: 'k8s/x.yaml',
        numPartitions: 6,
        configs: { 'retention.ms': '-1', 'cleanup.policy': 'delete' },
      },
    ]);
  });
});

describe('aclAllows', () => {
  const svc = parseKafkaUsers(USERS, 'k8s/x.yaml')[0] as KafkaUserSpec;

  it('matches literal names exactly and prefixes by prefix, with implied Describe', () => {
    expect(aclAllows(svc, 'Write', 'topic', 'svc.events.v1')).toBe(true);
    expect(aclAllows(svc, 'Write', 'topic', 'svc.events.v10')).toBe(false);
    expect(aclAllows(svc, 'Read', 'topic', 'svc.events.v1')).toBe(false);
    expect(aclAllows(svc, 'Read', 'group', 'svc.replica')).toBe(true);
    expect(aclAllows(svc, 'Describe', 'group', 'svc.replica')).toBe(true);
    expect(aclAllows(svc, 'Read', 'group', 'other.svc')).toBe(false);
    expect(aclAllows(svc, 'Create', 'topic', 'svc.events.v1')).toBe(false);
  });
});

describe('the KafkaUsers of k8s/', () => {
  const users = loadKafkaUsers();
  const byName = (name: string): KafkaUserSpec => {
    const found = users.find((candidate) => candidate.name === name);
    if (!found) throw new Error(`no KafkaUser ${name}`);
    return found;
  };

  it('are every service, agencies and both MirrorMaker identities, once each', () => {
    expect(
      users.map((candidate) => candidate.name).filter((name) => !name.startsWith('agency-')),
    ).toEqual([
      'audit',
      'consent',
      'embassy-sync',
      'letterbox',
      'mirror-maker',
      'mirror-maker-failback',
      'mirror-maker-source',
      'procedures',
      'registry',
    ]);
    expect(users.map((candidate) => candidate.name)).toContain('agency-ccss');
  });

  it('let each agency read its own feed in its own groups, and nothing else', () => {
    const agencies = users.filter(({ name }) => name.startsWith('agency-'));
    for (const agency of agencies) {
      const id = agency.name.slice('agency-'.length);
      expect({ agency: agency.name, acls: agency.acls }).toEqual({
        agency: agency.name,
        acls: [
          {
            resourceType: 'topic',
            resourceName: `registry.changes.${id}.v1`,
            patternType: 'literal',
            operations: ['Read', 'Describe'],
          },
          {
            resourceType: 'group',
            resourceName: `${id}.`,
            patternType: 'prefix',
            operations: ['Read', 'Describe'],
          },
        ],
      });
      // Not the full feed, not another agency's.
      expect(aclAllows(agency, 'Read', 'topic', 'registry.changes.v1')).toBe(false);
    }
    expect(aclAllows(byName('agency-ccss'), 'Read', 'topic', 'registry.changes.cae.v1')).toBe(
      false,
    );
  });

  it('give every feed of config/legal-bases.json an agency user and a topic, and no agency user without a feed', () => {
    const catalogue = JSON.parse(
      readFileSync(join(repoRoot(), 'config', 'legal-bases.json'), 'utf8'),
    ) as { feeds?: { organisationId: string }[] };
    const feeds = (catalogue.feeds ?? []).map(({ organisationId }) => organisationId).sort();
    expect(feeds.length).toBeGreaterThan(0);
    const agencies = users
      .filter(({ name }) => name.startsWith('agency-'))
      .map(({ name }) => name.slice('agency-'.length))
      .sort();
    expect(agencies).toEqual(feeds);
    const topics = loadKafkaTopics('primary');
    for (const id of feeds) {
      expect(topics.find(({ topic }) => topic === `registry.changes.${id}.v1`)).toEqual(
        expect.objectContaining({
          configs: expect.objectContaining({
            'cleanup.policy': 'compact',
            'retention.ms': '-1',
          }) as unknown,
        }),
      );
      // The registry publishes it; audit reads it to record deliveries.
      expect(aclAllows(byName('registry'), 'Write', 'topic', `registry.changes.${id}.v1`)).toBe(
        true,
      );
      expect(aclAllows(byName('audit'), 'Read', 'topic', `registry.changes.${id}.v1`)).toBe(true);
    }
  });

  it('never let a service or an agency create topics or act on the cluster', () => {
    const mirrorMakers = ['mirror-maker', 'mirror-maker-failback', 'mirror-maker-source'];
    for (const candidate of users.filter(({ name }) => !mirrorMakers.includes(name))) {
      for (const acl of candidate.acls) {
        expect({ user: candidate.name, acl }).toEqual({
          user: candidate.name,
          acl: expect.objectContaining({
            resourceType: expect.stringMatching(/^(topic|group)$/) as unknown,
            operations: expect.not.arrayContaining(['Create', 'All', 'Alter', 'Delete']) as unknown,
          }) as unknown,
        });
      }
    }
  });

  it('carry a password each, created by the storage format as SCRAM-SHA-512', () => {
    const credentials = generateCredentials(users);
    const args = formatScramArguments(credentials);
    expect(args.filter((arg) => arg === '--add-scram')).toHaveLength(users.length + 1);
    expect(args).toContain(
      `SCRAM-SHA-512=[name=registry,password=${credentials.users['registry'] ?? ''}]`,
    );
    expect(args).toContain(`SCRAM-SHA-512=[name=admin,password=${credentials.admin.password}]`);
    expect(new Set(Object.values(credentials.users)).size).toBe(users.length);
  });
});

describe('the KafkaTopics of k8s/', () => {
  it('give each site the common topics and its own dead letters of mirrored checkpoints', () => {
    const primary = loadKafkaTopics('primary').map(({ topic }) => topic);
    const embassy = loadKafkaTopics('embassy').map(({ topic }) => topic);
    expect(primary).toContain('registry.events.v1');
    expect(primary).toContain('embassy.platform.checkpoints.v1.dlq');
    expect(primary).not.toContain('primary.platform.checkpoints.v1.dlq');
    expect(embassy).toContain('primary.platform.checkpoints.v1.dlq');
  });
});
