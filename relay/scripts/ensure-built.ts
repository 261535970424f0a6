// Room relay/scripts/: build and packaging steps run by npm scripts, not by the relay.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

/**
 * `npm start` builds the relay into dist/relay, the extension into dist/extension and the console
 * into dist/console when one is missing or older than its sources.
 */
const TARGETS = [
  {
    what: 'the relay',
    output: 'dist/relay/main.js',
    sources: ['relay', 'shared', 'package-lock.json'],
    args: ['tsx', 'relay/scripts/build-relay.ts'],
  },
  {
    what: 'the extension',
    output: 'dist/extension/manifest.json',
    sources: ['extension', 'shared', 'manifest.json', 'vite.config.ts', 'package-lock.json'],
    args: ['vite', 'build', '--logLevel', 'warn'],
  },
  {
    what: 'the console',
    output: 'dist/console/index.html',
    sources: ['relay/console', 'shared', 'vite.config.ts', 'package-lock.json'],
    args: ['vite', 'build', '--mode', 'console', '--logLevel', 'warn'],
  },
];

function newest(path: string): number {
  if (!existsSync(path)) return 0;
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  return Math.max(0, ...readdirSync(path).map((name) => newest(join(path, name))));
}

for (const t of TARGETS) {
  const built = existsSync(t.output) ? statSync(t.output).mtimeMs : 0;
  if (built === 0 || t.sources.some((s) => newest(s) > built)) {
    console.log(built === 0 ? `Building ${t.what}…` : `${t.what} changed: rebuilding…`);
    const result = spawnSync('npx', t.args, { stdio: 'inherit' });
    if (result.status !== 0) process.exit(result.status ?? 1);
  }
}
