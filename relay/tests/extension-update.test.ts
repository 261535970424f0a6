import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { unzipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { startRelay } from './helpers';

/** A built extension as small as can be: what the relay signs for force-install. */
function builtExtension(): string {
  const dir = mkdtempSync(join(tmpdir(), 'built-ext-'));
  writeFileSync(join(dir, 'manifest.json'), JSON.stringify({ manifest_version: 3, name: 'Screen Pop', version: '1.2.3', key: 'the-pinned-key' }));
  writeFileSync(join(dir, 'background.js'), '// worker');
  return dir;
}

describe('the relay serves its own extension for force-install', () => {
  it('answers Chrome\'s update check with the installation\'s id and a CRX3 signed with its key', async () => {
    const relay = await startRelay({}, { extensionDir: builtExtension() });
    try {
      const res = await fetch(`${relay.url}/extension/updates.xml`);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/^application\/xml/);
      const xml = await res.text();
      expect(xml).toContain(`<app appid="${relay.installationExtensionId}">`);
      expect(xml).toContain(`<updatecheck codebase="${relay.url}/extension/screen-pop.crx" version="1.2.3" />`);

      const crx = Buffer.from(await (await fetch(`${relay.url}/extension/screen-pop.crx`)).arrayBuffer());
      // CRX3: "Cr24", version 3, the header's length, the header, then the zip.
      expect(crx.subarray(0, 4).toString('latin1')).toBe('Cr24');
      expect(crx.readUInt32LE(4)).toBe(3);
      const zip = unzipSync(crx.subarray(12 + crx.readUInt32LE(8)));
      const manifest = JSON.parse(Buffer.from(zip['manifest.json']!).toString()) as { key: string; version: string };
      // The manifest carries the installation's public key, not the repository's pinned one.
      expect(manifest.key).not.toBe('the-pinned-key');
      expect(manifest.key).toMatch(/^MIIB/);
      expect(Object.keys(zip).sort()).toEqual(['background.js', 'manifest.json']);
    } finally {
      await relay.stop();
    }
  });

  it('says plainly when the extension is not built', async () => {
    const relay = await startRelay({}, { extensionDir: mkdtempSync(join(tmpdir(), 'not-built-')) });
    try {
      const res = await fetch(`${relay.url}/extension/updates.xml`);
      expect(res.status).toBe(404);
      expect(await res.json()).toMatchObject({ CODE: 'NOT_FOUND', ERROR: expect.stringContaining('npm run build') as unknown });
    } finally {
      await relay.stop();
    }
  });
});
