import { existsSync } from 'node:fs';
import { relative } from 'node:path';
import { projectPath } from './project-root';

/** How this relay was started: by an npm script in the project, or by node on a file (the container image). */
export interface Invocation {
  /** The npm script that started it (`start`, `relay`); not set for `npx` (npm's `exec`). */
  npmScript: string | undefined;
  /** The entry file node ran (process.argv[1]). */
  script: string;
  cwd: string;
}

const current = (): Invocation => ({
  npmScript: process.env.npm_command === 'exec' ? undefined : process.env.npm_lifecycle_event,
  script: process.argv[1] ?? 'dist/relay/main.js',
  cwd: process.cwd(),
});

/**
 * One of the relay's commands (`admin passwd`, `agents add D1`) as typed where this relay runs:
 * `npm run relay -- …` in the project's folder, `node dist/relay/main.js …` in the container
 * image (which has no npm scripts to run and no sources for them), so the advice printed works.
 */
export function relayCommand(args: string, how: Invocation = current()): string {
  if (how.npmScript) return `npm run relay -- ${args}`;
  const script = relative(how.cwd, how.script) || how.script;
  return `${script.endsWith('.ts') ? 'npx tsx' : 'node'} ${script} ${args}`;
}

/** Whether the project's sources are here (a checkout), or only the compiled relay (the container image). */
export const sourcesPresent = (): boolean => existsSync(projectPath('vite.config.ts'));

/**
 * What to do about a part that is not built (the extension, the console): the npm script where
 * the sources are, else (an installation of the compiled relay alone) the build it came from.
 */
export function buildAdvice(sources = sourcesPresent()): string {
  return sources ? 'run npm run build, then start the relay again' : 'this installation was built without it: build the image (or the project) again';
}
