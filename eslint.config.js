// The linter scripts/test runs before the tests (`node node_modules/.bin/eslint .` alone).
// typescript-eslint's recommended rules plus the type-aware rules that catch defects the
// type checker lets through: a promise nobody awaits or catches (a lost error or an
// unhandled rejection that ends the process), a promise passed where a callback's result
// is ignored, `await` on a value that is not a promise.
import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/'] },
  // A disable comment that no longer silences anything fails too, so none outlives its reason.
  { linterOptions: { reportUnusedDisableDirectives: 'error' } },
  js.configs.recommended,
  tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    languageOptions: { parserOptions: { project: './tsconfig.json', tsconfigRootDir: import.meta.dirname } },
    rules: {
      // node:test's test() and describe() return promises the runner itself awaits.
      '@typescript-eslint/no-floating-promises': ['error', { allowForKnownSafeCalls: [{ from: 'package', package: 'node:test', name: ['test', 'describe', 'it', 'suite', 'before', 'after', 'beforeEach', 'afterEach'] }] }],
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/await-thenable': 'error',
    },
  },
  {
    rules: {
      // `_` marks a parameter or destructured value that is there for its position only.
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
      // A `let` a callback reads before its one assignment (a value known only later) stays `let`.
      'prefer-const': ['error', { ignoreReadBeforeAssign: true }],
    },
  },
  {
    // Plain JavaScript run by Node: build scripts, bundle lists, test fixture apps.
    files: ['**/*.{js,mjs,cjs}'],
    languageOptions: { globals: globals.node },
  },
  {
    // CommonJS files and the preload (loaded with --require, bundled as CommonJS): require()
    // is their module system, and in preload/ it defers loading an instrumentation until its
    // package is used and loads the sibling sdk.cjs, built for a newer Node than preload.cjs.
    files: ['**/*.cjs', 'preload/**/*.ts'],
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    // Tests and benchmarks walk parsed YAML, JSON and OTLP documents by path; a wrong path
    // fails the assertion that reads it, which is what a type would have caught.
    files: ['tests/**/*.ts', 'bench/**/*.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
);
