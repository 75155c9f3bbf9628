import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';

import type { KafkaAclBinding } from '@gov/platform-messaging';

import type { KafkaUserSpec } from './kafka-manifests';

/** The SASL mechanism of the local clusters' client listener (Strimzi's `scram-sha-512`). */
export const KAFKA_SASL_MECHANISM = 'scram-sha-512';

/**
 * The super user of a local cluster (`super.users`): the platform's own tooling (topic creation
 * at start, ACLs, the tests' admin) and never a service. Not a KafkaUser: in Kubernetes the
 * Strimzi operators hold that role.
 */
export const KAFKA_ADMIN_USER = 'admin';

/** SASL credentials for a Kafka client. */
export interface KafkaSasl {
  readonly mechanism: typeof KAFKA_SASL_MECHANISM;
  readonly username: string;
  readonly password: string;
}

/** A cluster's SCRAM passwords: generated when it is formatted, kept in its folder. */
export interface KafkaCredentials {
  readonly admin: KafkaSasl;
  /** Passwords by user name (every KafkaUser of the manifests). */
  readonly users: Readonly<Record<string, string>>;
}

/** A random password: 24 bytes, base64url (safe inside `[name=...,password=...]` and JAAS quotes). */
function newPassword(): string {
  return randomBytes(24).toString('base64url');
}

/** New credentials for the admin and each of `users`. */
export function generateCredentials(users: readonly KafkaUserSpec[]): KafkaCredentials {
  return {
    admin: { mechanism: KAFKA_SASL_MECHANISM, username: KAFKA_ADMIN_USER, password: newPassword() },
    users: Object.fromEntries(users.map((user) => [user.name, newPassword()])),
  };
}

/** `credentials` with a new password for each of `users` it does not know yet. */
export function withNewUsers(
  credentials: KafkaCredentials,
  users: readonly KafkaUserSpec[],
): KafkaCredentials {
  const missing = users.filter((user) => credentials.users[user.name] === undefined);
  return {
    admin: credentials.admin,
    users: {
      ...credentials.users,
      ...Object.fromEntries(missing.map((user) => [user.name, newPassword()])),
    },
  };
}

/** Reads a cluster's credentials file; undefined when there is none. */
export function readCredentials(file: string): KafkaCredentials | undefined {
  if (!existsSync(file)) return undefined;
  const parsed = JSON.parse(readFileSync(file, 'utf8')) as {
    admin?: { password?: unknown };
    users?: Record<string, unknown>;
  };
  const password = parsed.admin?.password;
  if (typeof password !== 'string') throw new Error(`${file}: no admin password`);
  const users: Record<string, string> = {};
  for (const [name, value] of Object.entries(parsed.users ?? {})) {
    if (typeof value === 'string') users[name] = value;
  }
  return {
    admin: { mechanism: KAFKA_SASL_MECHANISM, username: KAFKA_ADMIN_USER, password },
    users,
  };
}

/** Writes the credentials file, readable by its owner only (it is never committed). */
export function writeCredentials(file: string, credentials: KafkaCredentials): void {
  writeFileSync(
    file,
    `${JSON.stringify({ admin: { password: credentials.admin.password }, users: credentials.users }, null, 2)}\n`,
    { mode: 0o600 },
  );
}

/** The `--add-scram` arguments of `kafka-storage format` for the admin and every user. */
export function formatScramArguments(credentials: KafkaCredentials): string[] {
  return [
    [credentials.admin.username, credentials.admin.password] as const,
    ...Object.entries(credentials.users),
  ].flatMap(([name, password]) => [
    '--add-scram',
    `SCRAM-SHA-512=[name=${name},password=${password}]`,
  ]);
}

/** The JAAS line that logs a Java client in with SCRAM as `sasl`. */
export function scramJaasConfig(sasl: { username: string; password: string }): string {
  return `org.apache.kafka.common.security.scram.ScramLoginModule required username="${sasl.username}" password="${sasl.password}";`;
}

/**
 * The ACL bindings of the KafkaUsers: one `allow` binding per operation, principal
 * `User:<name>`, any host. Strimzi's `prefix` pattern is Kafka's `PREFIXED`.
 */
export function aclBindings(users: readonly KafkaUserSpec[]): KafkaAclBinding[] {
  return users.flatMap((user) =>
    user.acls.flatMap((acl) =>
      acl.operations.map((operation): KafkaAclBinding => ({
        principal: `User:${user.name}`,
        resourceType: acl.resourceType,
        resourceName: acl.resourceName,
        patternType: acl.patternType === 'prefix' ? 'prefixed' : 'literal',
        operation,
      })),
    ),
  );
}
