// The KafkaUsers of k8s/ against what the services are declared to do (service.json) and what
// the local platform mirrors: the local clusters apply exactly these ACLs (libs/platform/infra),
// so a gap here is a service refused by its own site, locally as in Kubernetes. What each
// service consumes beyond its log is proved at run time: the two-site harness and `npm start`
// run every service as its own user (journey, embassy and drill e2e specs).
import { aclAllows, loadKafkaTopics, loadKafkaUsers } from '@gov/platform-infra';
import type { KafkaUserSpec } from '@gov/platform-infra';

import { MIRRORED_TOPICS } from './local-platform';
import { serviceDeclarations } from './services';

const users = loadKafkaUsers();
const user = (name: string): KafkaUserSpec | undefined => users.find((u) => u.name === name);
const mirrored = MIRRORED_TOPICS.split(',').map((pattern) => new RegExp(`^(?:${pattern})$`));
const isMirrored = (topic: string): boolean => mirrored.some((pattern) => pattern.test(topic));

/** The topics a user may write by a literal rule. */
function writtenTopics(spec: KafkaUserSpec): string[] {
  return spec.acls
    .filter(
      (acl) =>
        acl.resourceType === 'topic' &&
        acl.patternType === 'literal' &&
        acl.operations.includes('Write'),
    )
    .map((acl) => acl.resourceName);
}

describe('each declared service and its KafkaUser', () => {
  const services = serviceDeclarations();

  it.each(services.map((service) => [service.name, service] as const))(
    '%s: a user of its name exactly when it has a Kafka client',
    (name, service) => {
      expect(user(name) !== undefined).toBe(service.kafka);
    },
  );

  it.each(
    services
      .filter((service) => service.eventStore !== undefined)
      .map((service) => [service.name, service.eventStore?.topic ?? ''] as const),
  )(
    '%s: writes its log %s and, as a replica, reads it mirrored from either site',
    (name, topic) => {
      const spec = user(name);
      if (!spec) throw new Error(`no KafkaUser ${name}`);
      expect(aclAllows(spec, 'Write', 'topic', topic)).toBe(true);
      for (const site of ['primary', 'embassy']) {
        expect({
          topic: `${site}.${topic}`,
          read: aclAllows(spec, 'Read', 'topic', `${site}.${topic}`),
        }).toEqual({
          topic: `${site}.${topic}`,
          read: true,
        });
      }
      expect(aclAllows(spec, 'Read', 'group', `${name}.replica`)).toBe(true);
    },
  );
});

describe('the dead letters of what a service reads', () => {
  // Every consumer of libs/platform/messaging writes what it cannot process to `<topic>.dlq` and
  // ensures that topic at start: its user must write it, and a KafkaTopic must declare it on
  // the site where the consumed topic is (`primary.<topic>` lives on the embassy).
  const declared = {
    primary: new Set(loadKafkaTopics('primary').map(({ topic }) => topic)),
    embassy: new Set(loadKafkaTopics('embassy').map(({ topic }) => topic)),
  };
  const reads = serviceDeclarations()
    .filter((service) => service.kafka)
    .flatMap((service) =>
      (user(service.name)?.acls ?? [])
        .filter(
          (acl) =>
            acl.resourceType === 'topic' &&
            acl.patternType === 'literal' &&
            acl.operations.includes('Read'),
        )
        .map((acl) => [service.name, acl.resourceName] as const),
    );

  it('covers the replicas', () => {
    expect(reads).toContainEqual(['registry', 'primary.registry.events.v1']);
  });

  it.each(reads)(
    '%s reads %s: it writes its dead letters, declared where it lives',
    (name, topic) => {
      const spec = user(name);
      if (!spec) throw new Error(`no KafkaUser ${name}`);
      expect(aclAllows(spec, 'Write', 'topic', `${topic}.dlq`)).toBe(true);
      const sites = topic.startsWith('primary.')
        ? (['embassy'] as const)
        : topic.startsWith('embassy.')
          ? (['primary'] as const)
          : (['primary', 'embassy'] as const);
      for (const site of sites) {
        expect({
          site,
          topic: `${topic}.dlq`,
          declared: declared[site].has(`${topic}.dlq`),
        }).toEqual({
          site,
          topic: `${topic}.dlq`,
          declared: true,
        });
      }
    },
  );
});

describe('what MirrorMaker 2 replicates', () => {
  const writers = users.filter((spec) => !spec.name.startsWith('mirror-maker'));
  const mirroredWrites = writers.flatMap((spec) =>
    writtenTopics(spec)
      .filter(isMirrored)
      .map((topic) => [spec.name, topic] as const),
  );

  it('includes every log a service writes', () => {
    expect(mirroredWrites.map(([, topic]) => topic)).toEqual(
      expect.arrayContaining(['registry.events.v1', 'letterbox.documents.v1']),
    );
  });

  it.each(mirroredWrites)(
    '%s writes %s: MirrorMaker may read it on the source and write it on either target',
    (writer, topic) => {
      const source = user('mirror-maker-source');
      const toEmbassy = user('mirror-maker');
      const toPrimary = user('mirror-maker-failback');
      if (!source || !toEmbassy || !toPrimary) throw new Error('a MirrorMaker user is missing');
      expect(aclAllows(source, 'Read', 'topic', topic)).toBe(true);
      expect(aclAllows(source, 'DescribeConfigs', 'topic', topic)).toBe(true);
      expect(aclAllows(toEmbassy, 'Create', 'topic', `primary.${topic}`)).toBe(true);
      expect(aclAllows(toEmbassy, 'Write', 'topic', `primary.${topic}`)).toBe(true);
      expect(aclAllows(toPrimary, 'Create', 'topic', `embassy.${topic}`)).toBe(true);
      expect(aclAllows(toPrimary, 'Write', 'topic', `embassy.${topic}`)).toBe(true);
      // Whoever writes a mirrored topic reads the other site's copy (a replica, or the
      // checkpoints' verifier).
      const spec = user(writer);
      if (!spec) throw new Error(`no KafkaUser ${writer}`);
      expect(aclAllows(spec, 'Read', 'topic', `primary.${topic}`)).toBe(true);
      expect(aclAllows(spec, 'Read', 'topic', `embassy.${topic}`)).toBe(true);
    },
  );

  it('reads nothing on the source that it does not mirror', () => {
    const source = user('mirror-maker-source');
    const readable = (source?.acls ?? [])
      .filter((acl) => acl.resourceType === 'topic' && acl.operations.includes('Read'))
      .map((acl) => acl.resourceName);
    expect(readable.filter((topic) => !isMirrored(topic))).toEqual([]);
  });
});
