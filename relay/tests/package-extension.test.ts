import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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
});
