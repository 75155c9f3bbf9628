const config = require('../../jest.preset.cjs').forProject(__dirname);

// The browser scripts (src/assets/*.js) are plain ES modules; their unit tests load the very
// files the browser gets, compiled to CommonJS for Jest's module system.
config.transform['^.+/src/assets/[a-z0-9-]+\\.js$'] = [
  '@swc/jest',
  {
    jsc: { target: 'es2023', parser: { syntax: 'ecmascript' } },
    module: { type: 'commonjs' },
    swcrc: false,
  },
];

module.exports = config;
