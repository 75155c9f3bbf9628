import { chmodSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { startKafka } from './kafka';
import type { KafkaNode } from './kafka';
import { loadKafkaTopics } from './kafka-manifests';
import type { KafkaUserSpec } from './kafka-manifests';
import { cacheDir } from './paths';
import { startPostgres } from './postgres';
import type { PostgresNode } from './postgres';
import { freePort } from './processes';

/** Ports of one site's infrastructure. */
export interface SitePorts {
  readonly kafka: number;
  readonly kafkaController: number;
  readonly postgres: number;
}

/** Options for {@link startSite}. */
export interface SiteOptions {
  /** Site name, e.g. `primary` or `embassy`; names the data folder. */
  readonly name: string;
  readonly ports: SitePorts;
  /** Folder for the site's data (default `.cache/sites/<name>`). */
  readonly dir?: string;
  readonly ownerPid?: number | undefined;
  /** See {@link PostgresOptions.durable}. */
  readonly durable?: boolean;
  /** See {@link PostgresOptions.settings}. */
  readonly postgresSettings?: Readonly<Record<string, string>>;
  /** Environment variable names behind the ports, for error messages. */
  readonly portVariables?: { readonly kafka: string; readonly postgres: string };
  /**
   * The site's role in k8s/: its Kafka cluster starts with the topics of `k8s/common/` and
   * `k8s/<role>/` (created by the super user; the services' users may not create topics).
   * Absent: no topics are created.
   */
  readonly role?: 'primary' | 'embassy';
  /** See {@link KafkaOptions.users}: every KafkaUser of k8s/ by default. */
  readonly kafkaUsers?: readonly KafkaUserSpec[];
}

/** One site's Kafka cluster and PostgreSQL server, sharing nothing with any other site. */
export interface LocalSite {
  readonly name: string;
  readonly dir: string;
  readonly kafka: KafkaNode;
  readonly postgres: PostgresNode;
  /** Stops PostgreSQL and Kafka; idempotent. */
  stop(): Promise<void>;
}

/**
 * Starts (or reuses) a site's Kafka and PostgreSQL side by side and waits for both to be
 * ready. If one fails, the other is stopped again when this call started it.
 */
export async function startSite(options: SiteOptions): Promise<LocalSite> {
  const dir = options.dir ?? join(cacheDir(), 'sites', options.name);
  mkdirSync(dir, { recursive: true });
  const [kafka, postgres] = await Promise.allSettled([
    startKafka({
      dir: join(dir, 'kafka'),
      port: options.ports.kafka,
      controllerPort: options.ports.kafkaController,
      ownerPid: options.ownerPid,
      portVariable: options.portVariables?.kafka,
      ...(options.role ? { topics: loadKafkaTopics(options.role) } : {}),
      ...(options.kafkaUsers ? { users: options.kafkaUsers } : {}),
    }),
    startPostgres({
      dir: join(dir, 'postgres'),
      port: options.ports.postgres,
      ownerPid: options.ownerPid,
      durable: options.durable ?? true,
      ...(options.postgresSettings ? { settings: options.postgresSettings } : {}),
      portVariable: options.portVariables?.postgres,
    }),
  ]);
  if (kafka.status === 'rejected' || postgres.status === 'rejected') {
    if (kafka.status === 'fulfilled' && kafka.value.startedHere) await kafka.value.stop();
    if (postgres.status === 'fulfilled' && postgres.value.startedHere) await postgres.value.stop();
    throw kafka.status === 'rejected' ? kafka.reason : (postgres as PromiseRejectedResult).reason;
  }
  return {
    name: options.name,
    dir,
    kafka: kafka.value,
    postgres: postgres.value,
    async stop() {
      await Promise.all([kafka.value.stop(), postgres.value.stop()]);
    },
  };
}

/** A throw-away site for tests: free ports, a temporary folder, removed again on stop. */
export interface EphemeralSite extends LocalSite {
  readonly ports: SitePorts;
}

/**
 * Starts a throw-away site on free loopback ports in a temporary folder, non-durable
 * PostgreSQL, stopped automatically when `ownerPid` exits. `options` may give the site a role
 * (its topics) or other Kafka users.
 */
export async function startEphemeralSite(
  name: string,
  ownerPid: number = process.pid,
  options: Pick<SiteOptions, 'role' | 'kafkaUsers'> = {},
): Promise<EphemeralSite> {
  const dir = mkdtempSync(join(tmpdir(), `backbone-${name}-`));
  // mkdtemp creates the folder 0700; PostgreSQL may run as another user and must traverse it.
  chmodSync(dir, 0o755);
  const ports: SitePorts = {
    kafka: await freePort(),
    kafkaController: await freePort(),
    postgres: await freePort(),
  };
  const site = await startSite({ name, dir, ports, ownerPid, durable: false, ...options });
  return {
    ...site,
    ports,
    async stop() {
      await site.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
