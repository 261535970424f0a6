import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { projectPath } from '../platform/project-root';

/** What the documents say of the extension's permissions is what the manifest asks for: one drifted before. */
const manifest = JSON.parse(readFileSync(projectPath('manifest.json'), 'utf8')) as { permissions: string[]; host_permissions?: string[] };
const read = (file: string) => readFileSync(projectPath(file), 'utf8');
/** The `code` words of a passage. */
const named = (passage: string) => new Set([...passage.matchAll(/`([a-zA-Z]+)`/g)].map((m) => m[1]!));

describe('the extension permissions the documents name', () => {
  it('SECURITY.md names exactly the manifest\'s, and no host permission', () => {
    const passage = /its permissions are([\s\S]*?)(?:\n- |\n## )/.exec(read('SECURITY.md'))?.[1] ?? '';
    expect([...named(passage)].sort()).toEqual([...manifest.permissions].sort());
    expect(manifest.host_permissions ?? []).toEqual([]);
    expect(passage).toContain('no host permissions');
  });

  it("the README's Permissions paragraph names exactly the manifest's", () => {
    const passage = /\*\*Permissions\.\*\*([\s\S]*?)\n\n/.exec(read('README.md'))?.[1] ?? '';
    expect([...named(passage)].filter((w) => w !== 'all').sort()).toEqual([...manifest.permissions].sort());
  });
});
