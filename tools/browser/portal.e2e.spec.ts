// The portal in a real browser (Debian's Chromium through playwright-core) against the real
// services on real Kafka and PostgreSQL, both sites: every page a scenario reaches is checked
// with axe-core (WCAG 2.1 AA, zero violations). Set PORTAL_SCREENSHOTS=docs/portal to refresh
// the README's pictures.
import { PortalPlatform } from './lib/portal-platform';
import { accessLogScenarios } from './scenarios/access-log';
import { registryScenarios } from './scenarios/registry';
import { proceduresScenarios } from './scenarios/procedures';
import { consoleScenarios } from './scenarios/console';
import { erasureScenarios } from './scenarios/erasure';
import { lettersConsentsScenarios } from './scenarios/letters-consents';
import { signInScenarios } from './scenarios/sign-in';

let platform: PortalPlatform | undefined;
const current = (): PortalPlatform => {
  if (platform === undefined) throw new Error('the platform did not start');
  return platform;
};

beforeAll(async () => {
  platform = await PortalPlatform.start();
}, 900_000);

afterAll(async () => {
  await platform?.stop();
});

signInScenarios(current);
registryScenarios(current);
accessLogScenarios(current);
proceduresScenarios(current);
lettersConsentsScenarios(current);
erasureScenarios(current);
// Last: it fails the sites over to the embassy.
consoleScenarios(current);
