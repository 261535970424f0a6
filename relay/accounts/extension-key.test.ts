import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { extensionIdOf, openExtensionKey } from './extension-key';
import { secretFile } from './secrets';

describe('the installation\'s extension key', () => {
  it('gives the id Chrome gives: the manifest\'s pinned key is hpgllcagpmlblacglfdepplhomfbghgg', () => {
    const manifest = JSON.parse(readFileSync('manifest.json', 'utf8')) as { key: string };
    expect(extensionIdOf(Buffer.from(manifest.key, 'base64'))).toBe('hpgllcagpmlblacglfdepplhomfbghgg');
  });

  it('is made once on the first start, readable by its owner only, and the same key the next time', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'ext-key-')), 'extension-key.pem');
    const first = await openExtensionKey(secretFile(file));
    expect(first.id).toMatch(/^[a-p]{32}$/);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(await openExtensionKey(secretFile(file))).toEqual(first);
    // A PEM the administrator gives wins over the kept one.
    const given = join(mkdtempSync(join(tmpdir(), 'ext-key-')), 'given.pem');
    writeFileSync(given, readFileSync(file));
    expect((await openExtensionKey(secretFile('/nonexistent/never-read'), given)).id).toBe(first.id);
  });
});
