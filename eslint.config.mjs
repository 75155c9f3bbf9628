// Flat ESLint config for the whole workspace: type-checked TypeScript rules, Prettier for layout,
// and Nx module boundaries with real constraints (never "*" -> "*").
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join, relative } from 'node:path';

import nx from '@nx/eslint-plugin';
import tseslint from 'typescript-eslint';
import prettier from 'eslint-config-prettier';

/**
 * Which project may import which. Every project carries one scope tag and one type tag
 * (see each project.json). A context depends on itself, platform and shared contracts;
 * domain code depends on domain code only.
 */
const scopeConstraints = [
  { sourceTag: 'scope:shared', onlyDependOnLibsWithTags: ['scope:shared'] },
  { sourceTag: 'scope:platform', onlyDependOnLibsWithTags: ['scope:platform', 'scope:shared'] },
  {
    sourceTag: 'scope:registry',
    onlyDependOnLibsWithTags: ['scope:registry', 'scope:platform', 'scope:shared'],
  },
  {
    sourceTag: 'scope:audit',
    onlyDependOnLibsWithTags: ['scope:audit', 'scope:platform', 'scope:shared'],
  },
  {
    sourceTag: 'scope:consent',
    onlyDependOnLibsWithTags: ['scope:consent', 'scope:platform', 'scope:shared'],
  },
  {
    sourceTag: 'scope:procedures',
    onlyDependOnLibsWithTags: ['scope:procedures', 'scope:platform', 'scope:shared'],
  },
  {
    sourceTag: 'scope:letterbox',
    onlyDependOnLibsWithTags: ['scope:letterbox', 'scope:platform', 'scope:shared'],
  },
  // The portal uses the services through their public HTTP APIs only: no context's code.
  { sourceTag: 'scope:portal', onlyDependOnLibsWithTags: ['scope:platform', 'scope:shared'] },
  { sourceTag: 'scope:tools', onlyDependOnLibsWithTags: ['scope:platform', 'scope:shared'] },
];

/** Type constraints for production code. Test files get `type:testing` on top (below). */
const typeConstraints = (extraForTests = []) => [
  { sourceTag: 'type:contracts', onlyDependOnLibsWithTags: ['type:contracts'] },
  { sourceTag: 'type:domain', onlyDependOnLibsWithTags: ['type:domain'] },
  {
    sourceTag: 'type:platform',
    onlyDependOnLibsWithTags: ['type:platform', 'type:contracts', ...extraForTests],
  },
  {
    sourceTag: 'type:application',
    onlyDependOnLibsWithTags: [
      'type:application',
      'type:domain',
      'type:platform',
      'type:contracts',
      ...extraForTests,
    ],
  },
  {
    sourceTag: 'type:app',
    onlyDependOnLibsWithTags: [
      'type:application',
      'type:domain',
      'type:platform',
      'type:contracts',
      ...extraForTests,
    ],
  },
  {
    sourceTag: 'type:tooling',
    onlyDependOnLibsWithTags: ['type:tooling', 'type:platform', 'type:contracts', ...extraForTests],
  },
  {
    sourceTag: 'type:testing',
    onlyDependOnLibsWithTags: ['type:testing', 'type:tooling', 'type:platform', 'type:contracts'],
  },
];

/**
 * The roots of the projects that carry `tag` in their project.json, relative to the workspace:
 * a rule scoped by tag follows a new project without an edit here.
 */
function projectRootsTagged(tag) {
  const roots = [];
  const visit = (dir) => {
    const projectFile = join(dir, 'project.json');
    if (existsSync(projectFile)) {
      const { tags = [] } = JSON.parse(readFileSync(projectFile, 'utf8'));
      if (tags.includes(tag)) roots.push(relative(import.meta.dirname, dir));
      return;
    }
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      if (entry.isDirectory() && entry.name !== 'node_modules' && !entry.name.startsWith('.')) {
        visit(join(dir, entry.name));
      }
    }
  };
  for (const top of ['libs', 'services']) visit(join(import.meta.dirname, top));
  return roots;
}

/** Node modules that do I/O or reach outside the process: never in domain code. */
const NODE_IO_MODULES = [
  'child_process',
  'cluster',
  'dgram',
  'dns',
  'dns/promises',
  'fs',
  'fs/promises',
  'http',
  'http2',
  'https',
  'inspector',
  'net',
  'readline',
  'readline/promises',
  'tls',
  'worker_threads',
];

/**
 * Domain code (`type:domain`) is pure: decisions that depend only on their arguments, testable
 * without infrastructure. Module boundaries keep it off other projects; this keeps it off the
 * infrastructure packages and Node's I/O modules.
 */
const domainImportRestrictions = [
  'error',
  {
    paths: NODE_IO_MODULES.flatMap((name) => [name, `node:${name}`]).map((name) => ({
      name,
      message: 'Domain code does no I/O: the application layer does it and passes values in.',
    })),
    patterns: [
      {
        group: [
          'pg',
          'pg/*',
          'pg-*',
          'typeorm',
          'typeorm/*',
          '@nestjs/*',
          'kafkajs',
          'kafkajs/*',
          '@opentelemetry/*',
        ],
        message:
          'Domain code is pure TypeScript: infrastructure (databases, Kafka, Nest, tracing) ' +
          'belongs to the application and platform layers.',
      },
    ],
  },
];

const boundaries = (depConstraints) => [
  'error',
  {
    enforceBuildableLibDependency: false,
    allow: [],
    banTransitiveDependencies: true,
    checkDynamicDependenciesExceptions: [],
    depConstraints,
  },
];

export default tseslint.config(
  {
    ignores: [
      '**/node_modules/**',
      '**/dist/**',
      '**/coverage/**',
      'reports/**',
      '.cache/**',
      '.nx/**',
      'libs/contracts/src/gen/**',
      '**/*.cjs',
      '**/*.mjs',
    ],
  },
  ...nx.configs['flat/base'],
  ...nx.configs['flat/typescript'],
  ...tseslint.configs.strictTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@nx/enforce-module-boundaries': boundaries([...scopeConstraints, ...typeConstraints()]),
      '@typescript-eslint/restrict-template-expressions': ['error', { allowNumber: true }],
      '@typescript-eslint/no-extraneous-class': ['error', { allowWithDecorator: true }],
      '@typescript-eslint/consistent-type-imports': [
        'error',
        // Nest reads constructor parameter types at run time (emitDecoratorMetadata): they must
        // stay value imports, so type-only imports are only enforced where no decorator is used.
        {
          prefer: 'type-imports',
          fixStyle: 'separate-type-imports',
          disallowTypeAnnotations: false,
        },
      ],
    },
  },
  {
    files: ['**/*.spec.ts', '**/testing/**/*.ts'],
    rules: {
      '@nx/enforce-module-boundaries': boundaries([
        ...scopeConstraints,
        ...typeConstraints(['type:testing', 'type:tooling']),
      ]),
      '@typescript-eslint/no-non-null-assertion': 'off',
    },
  },
  {
    files: projectRootsTagged('type:domain').map((root) => `${root}/**/*.ts`),
    rules: { 'no-restricted-imports': domainImportRestrictions },
  },
  prettier,
);
