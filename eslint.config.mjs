// ESLint for the whole workspace: typescript-eslint's recommended rules and Nx's module boundaries.
// Each project's tag (package.json "nx.tags") says which layer it is; depConstraints say whom a layer may import.
import nx from '@nx/eslint-plugin';
import { defineConfig } from 'eslint/config';
import tseslint from 'typescript-eslint';

/** Who may import whom, by project tag: the layering cli -> run -> cluster / scenarios -> probes -> kube -> core. */
const depConstraints = [
  { sourceTag: 'type:core', onlyDependOnLibsWithTags: [] },
  { sourceTag: 'type:kube', onlyDependOnLibsWithTags: ['type:core'] },
  { sourceTag: 'type:report', onlyDependOnLibsWithTags: ['type:core'] },
  { sourceTag: 'type:probe', onlyDependOnLibsWithTags: ['type:kube', 'type:core'] },
  { sourceTag: 'type:cluster', onlyDependOnLibsWithTags: ['type:kube', 'type:core'] },
  { sourceTag: 'type:bundle', onlyDependOnLibsWithTags: ['type:report', 'type:core'] },
  {
    sourceTag: 'type:run',
    onlyDependOnLibsWithTags: ['type:cluster', 'type:probe', 'type:bundle', 'type:report', 'type:kube', 'type:core'],
  },
  {
    sourceTag: 'type:cli',
    onlyDependOnLibsWithTags: ['type:run', 'type:cluster', 'type:probe', 'type:bundle', 'type:report', 'type:kube', 'type:core'],
  },
  {
    sourceTag: 'type:scenario',
    onlyDependOnLibsWithTags: ['type:run', 'type:probe', 'type:report', 'type:kube', 'type:core'],
  },
  { sourceTag: 'type:tool', onlyDependOnLibsWithTags: [] },
];

/** Tests may go one step wider: a probe's test may feed its findings through report's renderers (never another probe). */
const testDepConstraints = depConstraints.map((c) =>
  c.sourceTag === 'type:probe' ? { ...c, onlyDependOnLibsWithTags: [...c.onlyDependOnLibsWithTags, 'type:report'] } : c,
);

/** The rule's options shared by source and tests. */
const boundaryOptions = {
  // Vitest configs and one test import the workspace-root test harness (vitest.shared.ts, vitest.e2e-guard.ts), which is no package.
  allow: ['^(\\.\\./)+vitest\\.(shared|e2e-guard)(\\.ts)?$'],
  // Nothing is bundled: a dynamic import only defers loading (CLI start-up), so a static import of the same package elsewhere is fine.
  checkDynamicDependenciesExceptions: ['^@isoproof/'],
};

export default defineConfig(
  {
    ignores: ['**/node_modules/**', '**/dist/**', '**/artifacts/**', '**/coverage/**', '**/.nx/**'],
  },
  ...tseslint.configs.recommended,
  {
    rules: {
      // A leading underscore marks a binding unused on purpose (an interface's argument, a skipped tuple slot).
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrorsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_' },
      ],
    },
  },
  {
    files: ['**/*.ts', '**/*.mts', '**/*.js', '**/*.mjs'],
    plugins: { '@nx': nx },
    rules: {
      // Also forbids a package importing itself by name and relative imports across package roots (the rule's defaults).
      '@nx/enforce-module-boundaries': ['error', { ...boundaryOptions, depConstraints }],
    },
  },
  {
    files: ['**/test/**/*.ts', '**/bench/**/*.ts'],
    rules: {
      '@nx/enforce-module-boundaries': ['error', { ...boundaryOptions, depConstraints: testDepConstraints }],
    },
  },
);
