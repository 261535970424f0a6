// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'data/', 'test-results/', 'playwright-report/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
    },
  },
  {
    // shared/ runs in the browser and in Node: it imports neither side.
    files: ['shared/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: ['../relay/*', '../extension/*', 'node:*'] }],
    },
  },
  {
    // Browser code never reaches into the relay's Node code, and the other way round.
    files: ['extension/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: ['../relay/*', '../../relay/*', 'node:*'] }] },
  },
  {
    files: ['relay/**/*.ts'],
    ignores: ['relay/console/**'],
    rules: { 'no-restricted-imports': ['error', { patterns: ['../extension/*'] }] },
  },
  {
    // The console runs in the browser: it reaches the relay only over HTTP.
    files: ['relay/console/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: [{ regex: '^(node:|\\.\\./(?!\\.\\./shared/))', message: 'the console imports only shared/' }] },
      ],
    },
  },
);
