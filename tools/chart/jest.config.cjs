// The chart's checks that need the helm binary (npm run chart:check builds it): kept out of the
// tools project's unit level, which runs on machines without it.
const base = require('../../jest.preset.cjs').forProject(__dirname);

module.exports = {
  ...base,
  displayName: 'tools/chart (chart)',
  testMatch: ['<rootDir>/**/*.chart.spec.ts'],
  testTimeout: 180_000,
  globalSetup: undefined,
  globalTeardown: undefined,
};
