// Jest global setup and teardown for the int and e2e levels. `npm test` starts one
// throw-away site for the whole run and passes it down in TEST_* variables; a single project
// run (`nx run x:test-int`) starts its own here and stops it again in teardown.
import { startEphemeralSite } from '@gov/platform-infra';
import type { EphemeralSite } from '@gov/platform-infra';

let site: EphemeralSite | undefined;

export async function setup(): Promise<void> {
  if (process.env['JEST_SKIP_INFRA'] === '1') return;
  if (process.env['TEST_KAFKA_BROKERS'] && process.env['TEST_POSTGRES_URL']) return;
  site = await startEphemeralSite('jest');
  // Test workers are forked after global setup and inherit these.
  process.env['TEST_KAFKA_BROKERS'] = site.kafka.bootstrap;
  process.env['TEST_POSTGRES_URL'] = site.postgres.url();
}

export async function teardown(): Promise<void> {
  if (!site) return;
  const running = site;
  site = undefined;
  delete process.env['TEST_KAFKA_BROKERS'];
  delete process.env['TEST_POSTGRES_URL'];
  await running.stop();
}
