/**
 * Local infrastructure for development, tests and drills: real Apache Kafka (KRaft, from the
 * official jars on Maven Central) and real PostgreSQL, started as supervised processes on
 * loopback ports. Used by `npm start`, `npm test` and the Jest global setup; never by services.
 */
export { InfraError } from './lib/errors';
export type { InfraErrorKind } from './lib/errors';
export type { RunningComponent } from './lib/component';
export {
  startKafka,
  ensureKafkaJars,
  kafkaClientEnv,
  kafkaVersion,
  CREDENTIALS_FILE,
} from './lib/kafka';
export type { KafkaNode, KafkaOptions } from './lib/kafka';
export {
  KAFKA_ACL_OPERATIONS,
  CLUSTER_RESOURCE_NAME,
  KafkaManifestError,
  aclAllows,
  loadKafkaTopics,
  loadKafkaUsers,
  manifestsDir,
  parseKafkaTopics,
  parseKafkaUsers,
} from './lib/kafka-manifests';
export type {
  KafkaAcl,
  KafkaAclOperation,
  KafkaResourceType,
  KafkaTopicSpec,
  KafkaUserSpec,
} from './lib/kafka-manifests';
export { KAFKA_ADMIN_USER, KAFKA_SASL_MECHANISM, aclBindings } from './lib/kafka-security';
export type { KafkaCredentials, KafkaSasl } from './lib/kafka-security';
export { startMirrorMaker } from './lib/mirror-maker';
export type { MirrorCluster, MirrorMakerNode, MirrorMakerOptions } from './lib/mirror-maker';
export { startPostgres, findPostgresBinaries } from './lib/postgres';
export type { PostgresNode, PostgresOptions, PostgresBinaries } from './lib/postgres';
export { startSite, startEphemeralSite } from './lib/site';
export type { LocalSite, EphemeralSite, SiteOptions, SitePorts } from './lib/site';
export {
  isAlive,
  freePort,
  waitUntil,
  stopProcess,
  startWatchdog,
  stopWatchdog,
} from './lib/processes';
export { repoRoot, cacheDir } from './lib/paths';
