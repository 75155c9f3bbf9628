// tools/bench is a project of its own (bench): its specs run there, not here.
module.exports = {
  ...require('../jest.preset.cjs').forProject(__dirname),
  testPathIgnorePatterns: ['/node_modules/', '<rootDir>/bench/'],
};
