import {
  AclOperationTypes,
  AclPermissionTypes,
  AclResourceTypes,
  ResourcePatternTypes,
} from 'kafkajs';
import type { AclEntry, Admin } from 'kafkajs';

import { KafkaAdmin } from './kafka-admin.service';
import type { TopicSpec } from './kafka-admin.service';
import { KafkaConnection } from './kafka-connection';
import { translateKafkaError } from './messaging-error';
import type { MessagingModuleOptions } from './messaging.options';

/** A Kafka resource type an ACL can name. */
export type KafkaAclResourceType = 'topic' | 'group' | 'cluster' | 'transactionalId';

/** An ACL operation, by Kafka's name for it (`AclOperation`, as Strimzi writes them). */
export type KafkaAclOperationName =
  | 'All'
  | 'Read'
  | 'Write'
  | 'Create'
  | 'Delete'
  | 'Alter'
  | 'Describe'
  | 'ClusterAction'
  | 'DescribeConfigs'
  | 'AlterConfigs'
  | 'IdempotentWrite';

/** One `allow` ACL binding, for any host. */
export interface KafkaAclBinding {
  /** The principal, e.g. `User:registry`. */
  readonly principal: string;
  readonly resourceType: KafkaAclResourceType;
  /** The resource name or prefix; `kafka-cluster` for the cluster. */
  readonly resourceName: string;
  readonly patternType: 'literal' | 'prefixed';
  readonly operation: KafkaAclOperationName;
}

/** A broker as the cluster describes itself. */
export interface KafkaBrokerAddress {
  readonly nodeId: number;
  readonly host: string;
  readonly port: number;
}

const RESOURCE_TYPES: Record<KafkaAclResourceType, AclResourceTypes> = {
  topic: AclResourceTypes.TOPIC,
  group: AclResourceTypes.GROUP,
  cluster: AclResourceTypes.CLUSTER,
  transactionalId: AclResourceTypes.TRANSACTIONAL_ID,
};

const OPERATIONS: Record<KafkaAclOperationName, AclOperationTypes> = {
  All: AclOperationTypes.ALL,
  Read: AclOperationTypes.READ,
  Write: AclOperationTypes.WRITE,
  Create: AclOperationTypes.CREATE,
  Delete: AclOperationTypes.DELETE,
  Alter: AclOperationTypes.ALTER,
  Describe: AclOperationTypes.DESCRIBE,
  ClusterAction: AclOperationTypes.CLUSTER_ACTION,
  DescribeConfigs: AclOperationTypes.DESCRIBE_CONFIGS,
  AlterConfigs: AclOperationTypes.ALTER_CONFIGS,
  IdempotentWrite: AclOperationTypes.IDEMPOTENT_WRITE,
};

/**
 * Cluster administration for the platform's own tooling (the local clusters' start, the test
 * harness), outside any Nest container: the cluster's brokers, ACLs and topics. It runs as a
 * super user; services never use it (their users may not create topics or ACLs).
 */
export class KafkaClusterAdmin {
  private readonly connection: KafkaConnection;
  private readonly admin: Admin;
  private readonly probe: Admin;
  private readonly topics: KafkaAdmin;

  /** @param options - The client's settings; `readinessTimeoutMs` bounds {@link describeBrokers}. */
  constructor(options: MessagingModuleOptions) {
    this.connection = new KafkaConnection({ logLevel: 'nothing', ...options });
    this.admin = this.connection.kafka.admin();
    this.probe = this.connection.probe.admin();
    this.topics = new KafkaAdmin(this.connection);
  }

  /**
   * The brokers the cluster lists, asked once without retries (a readiness probe).
   *
   * @throws {@link MessagingError} `rejected` for refused credentials, `unavailable` / `timeout`.
   */
  async describeBrokers(): Promise<KafkaBrokerAddress[]> {
    try {
      await this.probe.connect();
      const { brokers } = await this.probe.describeCluster();
      return brokers.map(({ nodeId, host, port }) => ({ nodeId, host, port }));
    } catch (error) {
      throw translateKafkaError(error, { operation: 'admin.describeCluster' });
    } finally {
      await this.probe.disconnect();
    }
  }

  /**
   * Creates `allow` ACL bindings for any host. Creating a binding that exists is a no-op, so
   * granting the same set at every start is safe.
   *
   * @throws {@link MessagingError} `rejected` when this user may not alter the cluster's ACLs.
   */
  async grantAcls(bindings: readonly KafkaAclBinding[]): Promise<void> {
    if (bindings.length === 0) return;
    const acl: AclEntry[] = bindings.map((binding) => ({
      principal: binding.principal,
      host: '*',
      resourceType: RESOURCE_TYPES[binding.resourceType],
      resourceName: binding.resourceName,
      resourcePatternType:
        binding.patternType === 'prefixed'
          ? ResourcePatternTypes.PREFIXED
          : ResourcePatternTypes.LITERAL,
      operation: OPERATIONS[binding.operation],
      permissionType: AclPermissionTypes.ALLOW,
    }));
    try {
      await this.admin.connect();
      await this.admin.createAcls({ acl });
    } catch (error) {
      throw translateKafkaError(error, { operation: 'admin.createAcls' });
    }
  }

  /** Creates the topics that do not exist yet; see {@link KafkaAdmin.ensureTopics}. */
  ensureTopics(topics: readonly TopicSpec[]): Promise<void> {
    return this.topics.ensureTopics(topics);
  }

  /** Closes the connections. */
  async close(): Promise<void> {
    await Promise.all([this.admin.disconnect(), this.topics.onApplicationShutdown()]);
  }
}
