// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const ROOMS = ['platform', 'accounts', 'lookup', 'calls', 'push', 'cluster', 'engine', 'voicenter', 'http', 'cli', 'scripts', 'tests', 'console', 'app'];

/** For each room, the other rooms (and the extension, and the wiring in app.ts) it may not import. */
function roomRules(allowed) {
  return Object.entries(allowed).map(([room, may]) => {
    const barred = ROOMS.filter((r) => r !== room && !may.includes(r));
    // From relay/<room>/x.ts the other rooms are ../<r>; from a sub-folder, ../../<r>.
    const regex = `^(\\.\\./)+(${barred.join('|')}|extension)(/|$)`;
    return {
      files: [`relay/${room}/**/*.ts`],
      ignores: ['**/*.test.ts'],
      rules: { 'no-restricted-imports': ['error', { patterns: [{ regex, message: `relay/${room} may import only ${may.length ? may.join(', ') : 'no other room'} (ARCHITECTURE.md)` }] }] },
    };
  });
}

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'data/', 'test-results/', 'playwright-report/'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: {
        // Each file is checked with the tsconfig that covers it (relay, extension, console page).
        projectService: true,
        tsconfigRootDir: import.meta.dirname,
      },
    },
  },
  {
    // Plain JavaScript (this file) has no types to check.
    files: ['**/*.js'],
    ...tseslint.configs.disableTypeChecked,
  },
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
    },
  },
  {
    // A promise nothing waits for and nothing catches, `void` ones included, ends the process when
    // it rejects (Node's default), or is only counted where the relay counts them
    // (platform/unhandled-rejections.ts): either way the work it stood for is lost unseen. Each
    // is awaited, or ends in .catch (or .then with a rejection handler); and no promise goes where
    // a plain function is expected (an event listener, a callback), which would float it too.
    files: ['**/*.ts'],
    rules: {
      '@typescript-eslint/no-floating-promises': ['error', { ignoreVoid: false }],
      '@typescript-eslint/no-misused-promises': 'error',
    },
  },

  {
    // Tests read JSON answers (JSON.parse, response bodies) as `any` and assert their shape
    // field by field; typing each one first would add nothing the assertions do not check.
    files: ['**/*.test.ts', 'relay/tests/**/*.ts', 'e2e/**/*.ts', 'bench/**/*.ts'],
    rules: {
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
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
  // The relay's rooms (ARCHITECTURE.md): each may import only the rooms below it. Tests may import anything.
  ...roomRules({
    platform: [],
    accounts: ['platform'],
    lookup: ['platform'],
    calls: ['platform', 'accounts'],
    push: ['platform', 'accounts', 'calls'],
    cluster: ['platform', 'accounts', 'calls', 'push'],
    // Which engine runs is known here only: the embedded parts, or the cluster's.
    engine: ['platform', 'accounts', 'lookup', 'calls', 'push', 'cluster'],
    voicenter: ['platform'],
    http: ['platform', 'accounts', 'lookup', 'calls', 'push', 'voicenter'],
    cli: ['platform', 'accounts', 'lookup', 'calls', 'push', 'http', 'voicenter', 'app'],
    scripts: ['accounts'],
  }),
  {
    // The wiring builds the same parts on either engine: what differs comes from relay/engine/.
    files: ['relay/app.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [{ regex: '^\\./(cluster/|platform/(store|postgres|checkpointer|db)$|calls/(call-log-store|postgres-call-log|call-tracker)$|push/delivery$)', allowTypeImports: true, message: 'relay/app.ts wires what relay/engine/ opens; engine-specific parts are built there (ARCHITECTURE.md)' }] }],
    },
  },
  // The console runs in the browser: it reaches the relay only over HTTP, and imports only shared/.
  {
    files: ['relay/console/*.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: [{ regex: '^(node:|\\.\\./(?!\\.\\./shared/))', message: 'the console imports only shared/' }] }] },
  },
  {
    files: ['relay/console/pages/*.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: [{ regex: '^(node:|\\.\\./\\.\\./(?!\\.\\./shared/))', message: 'the console imports only shared/' }] }] },
  },
);
