import { execFileSync } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { openExtensionKey } from '../accounts/extension-key';
import { secretFile } from '../accounts/secrets';
import { unzipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { packageExtension } from '../scripts/package-extension';

describe('npm run package', () => {
  it('zips the built extension with manifest.json at the root, the same bytes every time; the store zip without the key', () => {
    const dir = mkdtempSync(join(tmpdir(), 'pkg-'));
    const built = join(dir, 'extension');
    mkdirSync(join(built, 'assets'), { recursive: true });
    writeFileSync(join(built, 'manifest.json'), JSON.stringify({ manifest_version: 3, version: '1.2.3', key: 'PUBLIC-KEY' }));
    writeFileSync(join(built, 'assets', 'background.js'), 'console.log("hi")');
    const zip = packageExtension(built, dir, 'self-hosted');
    expect(zip).toBe(join(dir, 'voicenter-screen-pop-1.2.3-self-hosted.zip'));
    const first = readFileSync(zip);
    const files = unzipSync(first);
    expect(Object.keys(files).sort()).toEqual(['assets/background.js', 'manifest.json']);
    expect(new TextDecoder().decode(files['assets/background.js'])).toBe('console.log("hi")');
    expect(JSON.parse(new TextDecoder().decode(files['manifest.json']))).toMatchObject({ key: 'PUBLIC-KEY' });
    expect(readFileSync(packageExtension(built, dir, 'self-hosted'))).toEqual(first);

    const store = unzipSync(readFileSync(packageExtension(built, dir, 'store')));
    expect(JSON.parse(new TextDecoder().decode(store['manifest.json']))).toEqual({ manifest_version: 3, version: '1.2.3' });
    expect(Object.keys(store).sort()).toEqual(['assets/background.js', 'manifest.json']);
  });

  it('also signs it with the installation\'s key into dist/screen-pop.crx when that key is at hand, and names the id', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pkg-signed-'));
    mkdirSync(join(dir, 'dist', 'extension'), { recursive: true });
    writeFileSync(join(dir, 'dist', 'extension', 'manifest.json'), JSON.stringify({ manifest_version: 3, version: '1.2.3', key: 'PINNED' }));
    const keyFile = join(dir, 'given.pem');
    writeFileSync(keyFile, generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'pem' }));
    const out = execFileSync(process.execPath, ['--import', pathToFileURL(resolve('node_modules/tsx/dist/loader.mjs')).href, resolve('relay/scripts/package-extension-cli.ts')], {
      cwd: dir,
      env: { ...process.env, RELAY_EXTENSION_KEY: keyFile },
    }).toString();
    const { id } = await openExtensionKey(secretFile(keyFile));
    expect(out).toContain(`Extension signed with this installation's key: ${join(dir, 'dist', 'screen-pop.crx')} (id ${id})`);
    expect(readFileSync(join(dir, 'dist', 'screen-pop.crx')).subarray(0, 4).toString('latin1')).toBe('Cr24');
  });
});
