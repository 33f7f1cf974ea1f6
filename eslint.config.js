// ESLint: the recommended rules of ESLint and typescript-eslint; formatting is Prettier's alone.
import js from '@eslint/js';
import prettier from 'eslint-config-prettier';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'coverage/', '.artifacts/', '.infra/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      // `_name` marks what a signature must take and the body does not use.
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
      // `const crypto = require('node:crypto')` names the module it takes; it hides nothing.
      'no-redeclare': ['error', { builtinGlobals: false }],
    },
  },
  {
    // The bench and the infrastructure scripts: plain CommonJS.
    files: ['**/*.cjs', 'bench/**/*.js', 'scripts/**/*.js'],
    languageOptions: { sourceType: 'commonjs' },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    files: ['**/*.spec.ts', '**/*.int-spec.ts', '**/*.e2e-spec.ts', 'test/**/*.ts'],
    languageOptions: { globals: { ...globals.jest } },
    // Specs read JSON documents (OpenAPI, AsyncAPI, Compose) whose shape they are checking.
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
  prettier,
);
