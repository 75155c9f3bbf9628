import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** Totals of one or more Jest runs. */
export interface TestTotals {
  readonly passed: number;
  readonly failed: number;
  readonly skipped: number;
}

interface JestJson {
  numPassedTests: number;
  numFailedTests: number;
  numPendingTests: number;
  numTodoTests?: number;
  numRuntimeErrorTestSuites: number;
}

/**
 * Adds up the `--json` reports that the test-unit/int/e2e targets write to `reports/jest/`.
 * A suite that failed to run at all (a syntax error, a failing beforeAll) counts as one
 * failed test, so it cannot vanish from the totals.
 */
export function readJestReports(dir: string): {
  totals: TestTotals;
  perReport: Record<string, TestTotals>;
} {
  const perReport: Record<string, TestTotals> = {};
  let passed = 0;
  let failed = 0;
  let skipped = 0;
  if (existsSync(dir)) {
    for (const file of readdirSync(dir)
      .filter((f) => f.endsWith('.json'))
      .sort()) {
      const report = JSON.parse(readFileSync(join(dir, file), 'utf8')) as JestJson;
      const entry: TestTotals = {
        passed: report.numPassedTests,
        failed: report.numFailedTests + report.numRuntimeErrorTestSuites,
        skipped: report.numPendingTests + (report.numTodoTests ?? 0),
      };
      perReport[file.replace(/\.json$/, '')] = entry;
      passed += entry.passed;
      failed += entry.failed;
      skipped += entry.skipped;
    }
  }
  return { totals: { passed, failed, skipped }, perReport };
}

/** The plain closing line CI reads: `N passed, N failed` (`, N skipped` when any). */
export function summaryLine(totals: TestTotals): string {
  const line = `${totals.passed} passed, ${totals.failed} failed`;
  return totals.skipped > 0 ? `${line}, ${totals.skipped} skipped` : line;
}
