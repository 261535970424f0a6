import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

/** `npm start` builds the extension into dist/extension when it is missing or older than its sources. */
const OUTPUT = 'dist/extension/manifest.json';
const SOURCES = ['extension', 'shared', 'manifest.json', 'vite.config.ts', 'package-lock.json'];

function newest(path: string): number {
  if (!existsSync(path)) return 0;
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  return Math.max(0, ...readdirSync(path).map((name) => newest(join(path, name))));
}

const built = existsSync(OUTPUT) ? statSync(OUTPUT).mtimeMs : 0;
if (built === 0 || SOURCES.some((s) => newest(s) > built)) {
  console.log(built === 0 ? 'Building the extension into dist/extension…' : 'The extension changed: rebuilding dist/extension…');
  const result = spawnSync('npx', ['vite', 'build', '--logLevel', 'warn'], { stdio: 'inherit' });
  if (result.status !== 0) process.exit(result.status ?? 1);
}
