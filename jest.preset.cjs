// Shared Jest configuration. Every project's jest.config.cjs calls `forProject(__dirname)`.
// The test level comes from TEST_LEVEL (set by the Nx targets test-unit, test-int, test-e2e):
//   unit  *.unit.spec.ts  pure code, no infrastructure, no Nest container
//   int   *.int.spec.ts   real PostgreSQL and Kafka from the platform test harness
//   e2e   *.e2e.spec.ts   running services over real Kafka and PostgreSQL
const path = require('node:path');
const fs = require('node:fs');

const swcConfig = JSON.parse(fs.readFileSync(path.join(__dirname, '.swcrc'), 'utf8'));
delete swcConfig.$schema;
// Let swc rewrite the workspace path aliases at compile time, so they also resolve in files
// that Jest loads outside its module system (global setup and teardown).
const { compilerOptions } = JSON.parse(
  fs.readFileSync(path.join(__dirname, 'tsconfig.base.json'), 'utf8'),
);
swcConfig.jsc.baseUrl = __dirname;
swcConfig.jsc.paths = compilerOptions.paths;

const levels = {
  unit: { match: '**/*.unit.spec.ts', timeout: 10_000, infra: false },
  int: { match: '**/*.int.spec.ts', timeout: 120_000, infra: true },
  e2e: { match: '**/*.e2e.spec.ts', timeout: 300_000, infra: true },
};

function forProject(projectRoot) {
  const level = process.env.TEST_LEVEL ?? 'unit';
  const settings = levels[level];
  if (!settings) {
    throw new Error(`TEST_LEVEL must be one of ${Object.keys(levels).join(', ')}; got "${level}"`);
  }
  return {
    displayName: `${path.relative(__dirname, projectRoot)} (${level})`,
    rootDir: projectRoot,
    testEnvironment: 'node',
    testMatch: [`<rootDir>/${settings.match}`],
    testTimeout: settings.timeout,
    transform: {
      '^.+\\.ts$': ['@swc/jest', { ...swcConfig, swcrc: false }],
      // ESM-only dependencies (jose, openid-client and its oauth4webapi) are compiled to
      // CommonJS for Jest's module system; Node 24 itself loads them with require(esm).
      '^.+/node_modules/(jose|openid-client|oauth4webapi)/.+\\.js$': [
        '@swc/jest',
        {
          jsc: { target: 'es2023', parser: { syntax: 'ecmascript' } },
          module: { type: 'commonjs' },
          swcrc: false,
        },
      ],
    },
    transformIgnorePatterns: ['/node_modules/(?!(jose|openid-client|oauth4webapi)/)'],
    moduleFileExtensions: ['ts', 'js', 'json'],
    resolver: '@nx/jest/plugins/resolver',
    globalSetup: settings.infra ? path.join(__dirname, 'tools/jest/global-setup.cjs') : undefined,
    globalTeardown: settings.infra
      ? path.join(__dirname, 'tools/jest/global-teardown.cjs')
      : undefined,
  };
}

module.exports = { forProject };
