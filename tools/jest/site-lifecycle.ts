// Jest global setup and teardown for the int and e2e levels. `npm test` starts one
// throw-away site for the whole run and passes it down in TEST_* variables; a single project
// run (`nx run x:test-int`) starts its own here and stops it again in teardown.
import { join } from 'node:path';

import { CREDENTIALS_FILE, startEphemeralSite } from '@gov/platform-infra';
import type { EphemeralSite } from '@gov/platform-infra';

let site: EphemeralSite | undefined;

export async function setup(): Promise<void> {
  if (process.env['JEST_SKIP_INFRA'] === '1') return;
  if (process.env['TEST_KAFKA_BROKERS'] && process.env['TEST_POSTGRES_URL']) return;
  site = await startEphemeralSite('jest');
  // Test workers are forked after global setup and inherit these.
  Object.assign(process.env, testSiteEnv(site));
}

export async function teardown(): Promise<void> {
  if (!site) return;
  const running = site;
  site = undefined;
  for (const name of Object.keys(testSiteEnv(running))) Reflect.deleteProperty(process.env, name);
  await running.stop();
}

/**
 * What the tests learn about their site: Kafka's address and super user (SASL/SCRAM), the file
 * with every KafkaUser's password, and PostgreSQL's superuser URL.
 */
export function testSiteEnv(site: EphemeralSite): Record<string, string> {
  const sasl = site.kafka.sasl();
  return {
    TEST_KAFKA_BROKERS: site.kafka.bootstrap,
    TEST_KAFKA_SASL_USERNAME: sasl.username,
    TEST_KAFKA_SASL_PASSWORD: sasl.password,
    TEST_KAFKA_CREDENTIALS_FILE: join(site.dir, 'kafka', CREDENTIALS_FILE),
    TEST_POSTGRES_URL: site.postgres.url(),
  };
}
