import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { buildRelay, importedPackages } from '../scripts/build-relay';

/**
 * The compiled relay runs on a production install (`npm ci --omit=dev`, as the container image
 * does): every package it imports must be a production dependency. Read from esbuild's own
 * account of the bundle, so a new import is checked the day it is written.
 */
const dir = mkdtempSync(join(tmpdir(), 'bundle-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('the compiled relay', () => {
  it('imports only packages in dependencies, not devDependencies', async () => {
    const imported = importedPackages(await buildRelay(join(dir, 'main.js')));
    const manifest = JSON.parse(readFileSync('package.json', 'utf8')) as { dependencies: Record<string, string> };
    // The check sees something: the relay's own server and database packages are among them.
    expect(imported).toEqual(expect.arrayContaining(['express', 'better-sqlite3', 'ws']));
    expect(imported.filter((name) => !(name in manifest.dependencies))).toEqual([]);
  });

  it('names packages, not their subpaths, and leaves out Node’s own modules', () => {
    const metafile = {
      inputs: {},
      outputs: {
        'main.js': {
          bytes: 0, inputs: {}, exports: [],
          imports: [
            { path: 'node:fs', kind: 'import-statement' as const, external: true },
            { path: 'crypto', kind: 'import-statement' as const, external: true },
            { path: '@scope/pkg/sub/path.js', kind: 'import-statement' as const, external: true },
            { path: 'lib/deep', kind: 'dynamic-import' as const, external: true },
            { path: 'relay/own.ts', kind: 'import-statement' as const },
          ],
        },
      },
    };
    expect(importedPackages(metafile)).toEqual(['@scope/pkg', 'lib']);
  });
});
