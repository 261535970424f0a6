/**
 * `npm run package`: the built extension (dist/extension) as zips, manifest.json at the root:
 * - `…-store.zip` for the Chrome Web Store, whose upload refuses a manifest `key` (the store gives
 *   the extension its own id: put that id in RELAY_EXTENSION_ORIGINS);
 * - `…-self-hosted.zip`, manifest `key` kept (the pinned id), to sign into a .crx with the
 *   team's private key for an enterprise self-hosted update (README).
 */
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { Readable } from 'node:stream';
import crx3 from 'crx3';
import { join, relative, sep } from 'node:path';
import { zipSync, type Zippable } from 'fflate';

/** The extension's files zipped, manifest.json at the root; `key`: the manifest's `key` to put in (undefined: removed). */
function zipExtension(dir: string, key: string | undefined): { zip: Uint8Array; version: string } {
  const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as { version: string; key?: string };
  const files: Zippable = {};
  const walk = (path: string) => {
    for (const name of readdirSync(path).sort()) {
      const full = join(path, name);
      if (statSync(full).isDirectory()) walk(full);
      // Fixed times: the same build gives the same zip, byte for byte.
      else files[relative(dir, full).split(sep).join('/')] = [readFileSync(full), { mtime: new Date('2026-01-01T00:00:00Z') }];
    }
  };
  walk(dir);
  if (key === undefined) delete manifest.key;
  else manifest.key = key;
  files['manifest.json'] = [new TextEncoder().encode(JSON.stringify(manifest, null, 2)), { mtime: new Date('2026-01-01T00:00:00Z') }];
  return { zip: zipSync(files, { level: 9 }), version: manifest.version };
}

/** Zips every file under `dir` (paths relative to it); returns the zip's path. */
export function packageExtension(dir: string, outDir: string, kind: 'store' | 'self-hosted'): string {
  const pinned = (JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as { key?: string }).key;
  const { zip, version } = zipExtension(dir, kind === 'store' ? undefined : pinned);
  const out = join(outDir, `voicenter-screen-pop-${version}-${kind}.zip`);
  writeFileSync(out, zip);
  return out;
}

/**
 * The extension as a CRX3 signed with an installation's key (PEM file `keyPath`), its manifest's
 * `key` that key's public half, so the id Chrome gives it is the installation's. Writes `crxPath`.
 */
export async function signedExtension(dir: string, keyPath: string, publicKey: string, crxPath: string): Promise<{ version: string }> {
  const { zip, version } = zipExtension(dir, publicKey);
  await crx3(Readable.from([Buffer.from(zip)]), { keyPath, crxPath });
  return { version };
}
