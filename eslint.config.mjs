// Flat ESLint config for the whole workspace: type-checked TypeScript rules, Prettier for layout,
// and Nx module boundaries with real constraints (never "*" -> "*").
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
    onlyDependOnLibsWithTags: ['type:tooling', 'type:platform', 'type:contracts'],
  },
  {
    sourceTag: 'type:testing',
    onlyDependOnLibsWithTags: ['type:testing', 'type:tooling', 'type:platform', 'type:contracts'],
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
  prettier,
);
