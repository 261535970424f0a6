import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The project's own folder (where package.json is), found from this file: the same from the
 * TypeScript sources (tsx, tests) and from the compiled relay (dist/relay/main.js).
 */
function findRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json'))) {
    const up = dirname(dir);
    if (up === dir) return process.cwd();
    dir = up;
  }
  return dir;
}

const ROOT = findRoot();

/** A path inside the project (dist/console, dist/extension). */
export const projectPath = (...parts: string[]): string => join(ROOT, ...parts);
