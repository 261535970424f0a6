// Room relay/scripts/: build and packaging steps run by npm scripts, not by the relay.
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';

/**
 * The relay compiled once into dist/relay/main.js for production (`npm start`): plain JavaScript,
 * no TypeScript compiler in the running process (tsx stays for development and the tests). The
 * packages stay in node_modules (better-sqlite3 is native); the project's own code is one file.
 */
export async function buildRelay(outfile = 'dist/relay/main.js', entry = 'relay/main.ts'): Promise<void> {
  await build({
    entryPoints: [entry],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'external',
    // A stack trace names the source file and line (node --enable-source-maps).
    sourcemap: true,
    sourcesContent: false,
    logLevel: 'warning',
  });
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await buildRelay();
