// ESLint flat config: `jlpm lint` fixes, `jlpm lint:check` (run by
// tests/labextension/test_lint.py) fails on any problem. Formatting is Prettier's
// (.prettierrc.json); eslint-config-prettier turns off the rules that would disagree.
import js from '@eslint/js';
import prettier from 'eslint-config-prettier';
import react from 'eslint-plugin-react';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['lib/', 'node_modules/', '.yarn/', '**/*.d.ts'] },
  js.configs.recommended,
  {
    files: ['src/**/*.{ts,tsx}'],
    extends: [tseslint.configs.recommended, react.configs.flat.recommended],
    languageOptions: {
      globals: globals.browser,
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname }
    },
    settings: { react: { version: 'detect' } },
    rules: {
      // type-aware, and cheap: promises that nobody awaits or that reach a handler
      // expecting a plain function are bugs here (failed requests would go unseen)
      '@typescript-eslint/await-thenable': 'error',
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/no-unnecessary-type-assertion': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      eqeqeq: ['error', 'smart'],
      'prefer-const': 'error'
    }
  },
  {
    files: ['src/logic/**/*.ts'],
    rules: {
      // the pure logic runs in a bare Node (test/*.test.mjs): nothing of JupyterLab,
      // Lumino or the DOM-side model and views
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['@jupyterlab/*', '@lumino/*', 'react'],
              message: 'logic/ is pure: no JupyterLab, Lumino or React.'
            },
            {
              group: ['../model/*', '../views/*', '../*.ts', '../markers', '../icon', '../index'],
              message: 'logic/ imports only logic/ and schema/.'
            }
          ]
        }
      ]
    }
  },
  {
    files: ['scripts/**/*.mjs', 'test/**/*.mjs', 'eslint.config.mjs'],
    languageOptions: { globals: globals.node, sourceType: 'module' },
    rules: { 'no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }] }
  },
  prettier
);
