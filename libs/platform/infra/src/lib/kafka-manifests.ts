// The local clusters' principals, ACLs and topics, read from the Kubernetes manifests in k8s/
// (Strimzi `KafkaUser` and `KafkaTopic` resources), so that the local platform and a real site
// cannot drift: adding a topic to a KafkaUser's ACLs is all it takes for the local ACLs to follow.
import { readFileSync, readdirSync } from 'node:fs';
import { join, relative } from 'node:path';

import { loadAll } from 'js-yaml';

import { repoRoot } from './paths';

/** A Kafka resource type as Strimzi's `simple` authorization names it. */
export type KafkaResourceType = 'topic' | 'group' | 'cluster' | 'transactionalId';

/** An ACL operation as Strimzi names it (Kafka's `AclOperation`, in Pascal case). */
export const KAFKA_ACL_OPERATIONS = [
  'All',
  'Read',
  'Write',
  'Create',
  'Delete',
  'Alter',
  'Describe',
  'ClusterAction',
  'DescribeConfigs',
  'AlterConfigs',
  'IdempotentWrite',
] as const;
export type KafkaAclOperation = (typeof KAFKA_ACL_OPERATIONS)[number];

/** One `allow` rule of a KafkaUser: operations on a resource, for any host. */
export interface KafkaAcl {
  readonly resourceType: KafkaResourceType;
  /** The resource's name or prefix; `kafka-cluster` for the cluster, `*` for any. */
  readonly resourceName: string;
  readonly patternType: 'literal' | 'prefix';
  readonly operations: readonly KafkaAclOperation[];
}

/** A Strimzi `KafkaUser` with SCRAM-SHA-512 authentication and simple authorization. */
export interface KafkaUserSpec {
  /** The user's name: its SCRAM user name and its principal `User:<name>`. */
  readonly name: string;
  /** The manifest it comes from, relative to the repository root, for messages. */
  readonly file: string;
  readonly acls: readonly KafkaAcl[];
}

/** A Strimzi `KafkaTopic`, as the local clusters create it (one replica). */
export interface KafkaTopicSpec {
  readonly topic: string;
  readonly file: string;
  readonly numPartitions: number;
  readonly configs: Readonly<Record<string, string>>;
}

/** The name Kafka gives the cluster resource in an ACL (Strimzi's `type: cluster` has none). */
export const CLUSTER_RESOURCE_NAME = 'kafka-cluster';

/** A manifest the local platform cannot turn into users or topics; names the file. */
export class KafkaManifestError extends Error {
  override readonly name = 'KafkaManifestError';
}

type Json = Record<string, unknown>;

const isObject = (value: unknown): value is Json =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** The `kafka.strimzi.io` resources of one YAML file (several documents), in order. */
function strimziResources(text: string, file: string): Json[] {
  let documents: unknown[];
  try {
    documents = loadAll(text);
  } catch (error) {
    throw new KafkaManifestError(
      `${file}: not valid YAML (${error instanceof Error ? error.message : String(error)})`,
    );
  }
  return documents.filter(
    (doc): doc is Json =>
      isObject(doc) &&
      typeof doc['apiVersion'] === 'string' &&
      doc['apiVersion'].startsWith('kafka.strimzi.io/'),
  );
}

/**
 * The `KafkaUser`s of one manifest file. Only what the local clusters can reproduce is
 * accepted: SCRAM-SHA-512 users with `simple` authorization and `allow` rules for any host; a
 * rule the mapping does not know (another type, a host, a deny) fails loudly rather than being
 * dropped, since a dropped rule would make the local cluster stricter or looser than the site.
 */
export function parseKafkaUsers(text: string, file: string): KafkaUserSpec[] {
  return strimziResources(text, file)
    .filter((doc) => doc['kind'] === 'KafkaUser')
    .map((doc) => {
      const metadata = isObject(doc['metadata']) ? doc['metadata'] : {};
      const name = metadata['name'];
      if (typeof name !== 'string' || !/^[a-z0-9][a-z0-9.-]*$/.test(name)) {
        throw new KafkaManifestError(`${file}: a KafkaUser without a valid metadata.name`);
      }
      const where = `${file}: KafkaUser ${name}`;
      const spec = isObject(doc['spec']) ? doc['spec'] : {};
      const authentication = isObject(spec['authentication']) ? spec['authentication'] : {};
      if (authentication['type'] !== 'scram-sha-512') {
        throw new KafkaManifestError(`${where}: authentication.type must be scram-sha-512`);
      }
      const authorization = isObject(spec['authorization']) ? spec['authorization'] : {};
      if (authorization['type'] !== 'simple' || !Array.isArray(authorization['acls'])) {
        throw new KafkaManifestError(`${where}: authorization must be simple, with acls`);
      }
      const acls = (authorization['acls'] as unknown[]).map((rule, index) =>
        parseAcl(rule, `${where}: acls[${index}]`),
      );
      return { name, file, acls };
    });
}

function parseAcl(rule: unknown, where: string): KafkaAcl {
  if (!isObject(rule)) throw new KafkaManifestError(`${where}: not an object`);
  const unknownKeys = Object.keys(rule).filter(
    (key) => !['resource', 'operations', 'type', 'host'].includes(key),
  );
  if (unknownKeys.length > 0) {
    throw new KafkaManifestError(`${where}: unsupported ${unknownKeys.join(', ')}`);
  }
  if (rule['type'] !== undefined && rule['type'] !== 'allow') {
    throw new KafkaManifestError(`${where}: only allow rules are supported`);
  }
  if (rule['host'] !== undefined && rule['host'] !== '*') {
    throw new KafkaManifestError(`${where}: only host "*" is supported`);
  }
  const resource = isObject(rule['resource']) ? rule['resource'] : {};
  const type = resource['type'];
  if (type !== 'topic' && type !== 'group' && type !== 'cluster' && type !== 'transactionalId') {
    throw new KafkaManifestError(`${where}: unsupported resource type ${String(type)}`);
  }
  const operations = rule['operations'];
  if (
    !Array.isArray(operations) ||
    operations.length === 0 ||
    !operations.every((op) => (KAFKA_ACL_OPERATIONS as readonly unknown[]).includes(op))
  ) {
    throw new KafkaManifestError(
      `${where}: operations must list some of ${KAFKA_ACL_OPERATIONS.join(', ')}`,
    );
  }
  if (type === 'cluster') {
    return {
      resourceType: type,
      resourceName: CLUSTER_RESOURCE_NAME,
      patternType: 'literal',
      operations: operations as KafkaAclOperation[],
    };
  }
  const name = resource['name'];
  const patternType = resource['patternType'] ?? 'literal';
  if (typeof name !== 'string' || name === '') {
    throw new KafkaManifestError(`${where}: a ${type} resource needs a name`);
  }
  if (patternType !== 'literal' && patternType !== 'prefix') {
    throw new KafkaManifestError(`${where}: patternType must be literal or prefix`);
  }
  return {
    resourceType: type,
    resourceName: name,
    patternType,
    operations: operations as KafkaAclOperation[],
  };
}

/** The `KafkaTopic`s of one manifest file; `replicas` is ignored (local clusters have one node). */
export function parseKafkaTopics(text: string, file: string): KafkaTopicSpec[] {
  return strimziResources(text, file)
    .filter((doc) => doc['kind'] === 'KafkaTopic')
    .map((doc) => {
      const metadata = isObject(doc['metadata']) ? doc['metadata'] : {};
      const spec = isObject(doc['spec']) ? doc['spec'] : {};
      const topic = spec['topicName'] ?? metadata['name'];
      const partitions = spec['partitions'];
      if (typeof topic !== 'string' || typeof partitions !== 'number') {
        throw new KafkaManifestError(`${file}: a KafkaTopic needs a name and partitions`);
      }
      const config = isObject(spec['config']) ? spec['config'] : {};
      const configs: Record<string, string> = {};
      for (const [key, value] of Object.entries(config)) {
        if (typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'boolean') {
          throw new KafkaManifestError(`${file}: KafkaTopic ${topic}: config ${key} is not scalar`);
        }
        configs[key] = String(value);
      }
      return { topic, file, numPartitions: partitions, configs };
    });
}

/** The folder of the cluster manifests: `k8s/` at the repository root. */
export function manifestsDir(): string {
  return join(repoRoot(), 'k8s');
}

function yamlFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile() && /\.ya?ml$/.test(entry.name))
    .map((entry) => join(entry.parentPath, entry.name))
    .sort();
}

/**
 * Every `KafkaUser` under `dir` (default `k8s/`), sorted by name: the services', the example
 * agency's and both MirrorMaker identities. Locally each cluster gets all of them (a site in
 * Kubernetes has only the MirrorMaker user of the flow it receives), so the same cluster can be
 * the target of either flow. Throws a {@link KafkaManifestError} for a user declared twice.
 */
export function loadKafkaUsers(dir: string = manifestsDir()): KafkaUserSpec[] {
  const users = new Map<string, KafkaUserSpec>();
  for (const path of yamlFiles(dir)) {
    const file = relative(repoRoot(), path);
    for (const user of parseKafkaUsers(readFileSync(path, 'utf8'), file)) {
      const previous = users.get(user.name);
      if (previous) {
        throw new KafkaManifestError(
          `KafkaUser ${user.name} is declared twice: ${previous.file} and ${file}`,
        );
      }
      users.set(user.name, user);
    }
  }
  return [...users.values()].sort((a, b) => a.name.localeCompare(b.name));
}

/**
 * The topics a site starts with: `k8s/common/` and the site's own folder (`k8s/primary/`,
 * `k8s/embassy/`), sorted by name.
 */
export function loadKafkaTopics(
  site: 'primary' | 'embassy',
  dir: string = manifestsDir(),
): KafkaTopicSpec[] {
  const topics = new Map<string, KafkaTopicSpec>();
  for (const folder of ['common', site]) {
    for (const path of yamlFiles(join(dir, folder))) {
      for (const topic of parseKafkaTopics(
        readFileSync(path, 'utf8'),
        relative(repoRoot(), path),
      )) {
        topics.set(topic.topic, topic);
      }
    }
  }
  return [...topics.values()].sort((a, b) => a.topic.localeCompare(b.topic));
}

/**
 * Whether `user` may perform `operation` on the named resource, as Kafka's authorizer decides
 * for allow-only rules: a literal rule matches the name or `*`, a prefix rule a name that starts
 * with it; `All` allows every operation; and, as in Kafka, Read, Write, Delete and Alter imply
 * Describe, and AlterConfigs implies DescribeConfigs.
 */
export function aclAllows(
  user: KafkaUserSpec,
  operation: KafkaAclOperation,
  resourceType: KafkaResourceType,
  resourceName: string,
): boolean {
  return user.acls.some(
    (acl) =>
      acl.resourceType === resourceType &&
      (acl.patternType === 'prefix'
        ? resourceName.startsWith(acl.resourceName)
        : acl.resourceName === resourceName || acl.resourceName === '*') &&
      acl.operations.some((granted) => implies(granted, operation)),
  );
}

function implies(granted: KafkaAclOperation, wanted: KafkaAclOperation): boolean {
  if (granted === wanted || granted === 'All') return true;
  if (wanted === 'Describe') return ['Read', 'Write', 'Delete', 'Alter'].includes(granted);
  if (wanted === 'DescribeConfigs') return granted === 'AlterConfigs';
  return false;
}
