// The services' OpenAPI documents as a contract, checked against the running services: for
// every operation, requests generated from the declared schemas (valid ones, and ones that break
// one constraint), answers checked against the same document. See `fuzzService`.
import { ServicesUnderTest } from '@gov/platform-e2e-testing';
import type { ServiceUnderTest } from '@gov/platform-e2e-testing';

import { fuzzService, startPlatform } from '@gov/platform-contract-fuzz';
import type { OpenApiDocument, ServiceName } from '@gov/platform-contract-fuzz';

import { RULES } from './testing/rules';

/** Fixed, so that CI runs the same requests each time; CONTRACT_FUZZ_SEED replays another. */
const SEED = Number(process.env['CONTRACT_FUZZ_SEED'] ?? 15);
/** Per service; CONTRACT_FUZZ_SECONDS for a longer local run. */
const BUDGET_MS = Number(process.env['CONTRACT_FUZZ_SECONDS'] ?? 40) * 1000;
const RUNS_PER_OPERATION = 60;

/** A citizen with a well-formed national identification number of their own. */
const CITIZEN = '1983081246785';

describe('every service keeps the contract its OpenAPI document states', () => {
  let harness: ServicesUnderTest;
  let platform: Record<ServiceName, ServiceUnderTest>;
  let tokens: Record<string, string>;

  beforeAll(async () => {
    harness = await ServicesUnderTest.create('contract-fuzz');
    platform = await startPlatform(harness);
    const entries = await Promise.all(
      (
        [
          [
            'registrar',
            {
              role: 'registrar',
              subject: 'fuzz-clerk',
              registers: ['persons', 'businesses', 'vehicles'],
              organisationId: 'rnpp',
            },
          ],
          ['citizen', { role: 'citizen', subject: CITIZEN }],
          ['agency', { role: 'agency', subject: 'fuzz-agency', organisationId: 'ccss' }],
          ['operator', { role: 'operator', subject: 'fuzz-operator' }],
          ['dpo', { role: 'dpo', subject: 'fuzz-dpo' }],
          ['auditor', { role: 'auditor', subject: 'fuzz-auditor' }],
        ] as const
      ).map(async ([role, request]) => [role, await harness.token(request)] as const),
    );
    tokens = Object.fromEntries(entries);
  });

  afterAll(async () => {
    await harness.stop();
  });

  const fuzzed = Object.keys(RULES) as ServiceName[];
  it.each(fuzzed)('%s', async (name) => {
    const service = platform[name];
    const document = (await (await fetch(`${service.url}/openapi.json`)).json()) as OpenApiDocument;
    const findings = await fuzzService({
      service: name,
      baseUrl: service.url,
      document,
      rules: RULES[name] ?? {},
      tokens,
      seed: SEED,
      timeLimitMs: BUDGET_MS,
      runsPerOperation: RUNS_PER_OPERATION,
      progress: (operation) => {
        process.stderr.write(`[contract-fuzz] ${name} ${operation}\n`);
      },
    });
    for (const finding of findings) {
      process.stderr.write(
        `[contract-fuzz] ${name} ${finding.operation} (${finding.kind} requests):\n${finding.report}\n\n`,
      );
    }
    // Each finding is printed above with its seed and path, which replay it.
    expect(findings.map((finding) => `${finding.operation} (${finding.kind})`)).toEqual([]);
  });
});
