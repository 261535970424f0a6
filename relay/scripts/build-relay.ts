// Room relay/scripts/: build and packaging steps run by npm scripts, not by the relay.
import { isBuiltin } from 'node:module';
import { pathToFileURL } from 'node:url';
import { build, type Metafile } from 'esbuild';

/**
 * The relay compiled once into dist/relay/main.js for production (`npm start`, the container
 * image): plain JavaScript, no TypeScript compiler in the running process (tsx stays for
 * development and the tests). The packages stay in node_modules (better-sqlite3 is native); the
 * project's own code is one file. Returns esbuild's account of what the file imports.
 */
export async function buildRelay(outfile = 'dist/relay/main.js', entry = 'relay/main.ts'): Promise<Metafile> {
  const result = await build({
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
    metafile: true,
    logLevel: 'warning',
  });
  return result.metafile;
}

/**
 * The npm packages the compiled relay loads (static imports and `import()` alike), by package
 * name: what a production install (`npm ci --omit=dev`) must hold for it to start.
 */
export function importedPackages(metafile: Metafile): string[] {
  const names = new Set<string>();
  for (const output of Object.values(metafile.outputs)) {
    for (const { path, external } of output.imports) {
      if (!external || isBuiltin(path) || path.startsWith('.') || path.startsWith('/')) continue;
      const parts = path.split('/');
      names.add(path.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0]!);
    }
  }
  return [...names].sort();
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await buildRelay();
