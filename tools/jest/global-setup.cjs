// Jest compiles this TypeScript with the project's swc transform, which maps the workspace
// path aliases (see jest.preset.cjs).
module.exports = require('./site-lifecycle.ts').setup;
