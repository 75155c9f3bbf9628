/**
 * Test harness shared by every int and e2e suite: the run's real Kafka and PostgreSQL,
 * isolated databases and unique names per test file.
 */
export {
  testInfra,
  testKafkaEnv,
  testKafkaUser,
  thrownBy,
  uniqueName,
  createTestDatabase,
  waitFor,
} from './lib/test-infra';
export type { TestInfra, TestDatabase, TestKafkaSasl } from './lib/test-infra';
export { ServiceProcess, runServiceTool, waitUntilOk } from './lib/service-process';
export type { ProcessExit } from './lib/service-process';
