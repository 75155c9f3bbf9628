// The image tests (`*.images.spec.ts`, run by `npm run images:test`): they need podman and a
// built image (`npm run images:build`), so they are not part of any test level of `npm test`.
const base = require('../../jest.preset.cjs').forProject(__dirname);

module.exports = {
  ...base,
  displayName: 'tools/images (images)',
  testMatch: ['<rootDir>/**/*.images.spec.ts'],
  testTimeout: 600_000,
};
