// Preloaded by every npm script that runs a TypeScript entry (`node --require` in package.json),
// before the entry's own imports load the generated contracts: `npm ci && npm run drill` on a
// fresh clone would otherwise fail with "Cannot find module './gen/…_pb'".
import { repoRoot } from '@gov/platform-infra';

import { ensureContracts } from './lib/contracts';

try {
  if (ensureContracts(repoRoot())) process.stderr.write('[contracts] generated from proto/\n');
} catch (error: unknown) {
  process.stderr.write(`[contracts] ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
}
