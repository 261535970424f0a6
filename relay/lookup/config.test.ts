import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_LOOKUP, loadLookupConfig } from './config';

const dir = mkdtempSync(join(tmpdir(), 'lookup-config-'));
function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

describe('loadLookupConfig', () => {
  it('is the directory alone without a file', () => {
    expect(loadLookupConfig(undefined)).toEqual(DEFAULT_LOOKUP);
  });

  it('reads YAML, fills defaults, and takes secrets from the environment', () => {
    const path = file(
      'ok.yaml',
      `lookup:
  budgetMs: 1500
  cache: { positiveTtlSeconds: 120 }
sources:
  - kind: directory
  - kind: http
    name: Our CRM
    url: https://crm.example.com/api/contacts
    query: { phone: "{e164}" }
    auth: { type: bearer, token: "\${CRM_TOKEN}" }
    response: { items: "$.data[*]", name: "$.name" }
    recordUrl: https://crm.example.com/contacts/{id}
`,
    );
    const config = loadLookupConfig(path, { CRM_TOKEN: 's3cret' });
    expect(config.budgetMs).toBe(1500);
    expect(config.cache).toEqual({ positiveTtlMs: 120_000, negativeTtlMs: 60_000, staleMs: 86_400_000, maxEntries: 100_000 });
    expect(config.sources[0]).toEqual({ kind: 'directory', name: 'directory' });
    expect(config.sources[1]).toMatchObject({ kind: 'http', name: 'Our CRM', method: 'GET', auth: { type: 'bearer', token: 's3cret' }, timeoutMs: 2000 });
  });

  it('reads JSON', () => {
    const path = file('ok.json', JSON.stringify({ sources: [{ kind: 'voicenter-forward', url: 'https://old.example/popup' }] }));
    expect(loadLookupConfig(path).sources).toEqual([
      { kind: 'voicenter-forward', name: 'voicenter-forward', url: 'https://old.example/popup', format: 'json', timeoutMs: 2000, redirects: 'same-origin' },
    ]);
  });

  it('refuses a secret written in the file, naming the key', () => {
    const path = file('literal.yaml', 'sources:\n  - kind: zoho\n    token: 1000.abcdef\n');
    expect(() => loadLookupConfig(path, {})).toThrow(
      `${path}: sources.0.token: must name an environment variable like \${CRM_TOKEN}, never the secret itself`,
    );
  });

  it('names the environment variable that is not set', () => {
    const path = file('unset.yaml', 'sources:\n  - kind: zoho\n    token: ${ZOHO_TOKEN}\n');
    expect(() => loadLookupConfig(path, {})).toThrow('sources.0.token: environment variable ZOHO_TOKEN is not set');
  });

  it('names an unknown key, a bad value and a bad placeholder', () => {
    expect(() => loadLookupConfig(file('a.yaml', 'lookup:\n  budget: 100\n'))).toThrow(/lookup: Unrecognized key: "budget"/);
    expect(() => loadLookupConfig(file('b.yaml', 'lookup:\n  budgetMs: 5000\n'))).toThrow(/lookup\.budgetMs: Too big/);
    const bad = file(
      'c.yaml',
      'sources:\n  - kind: http\n    name: x\n    url: https://crm.example/{tel}\n    response: { name: "$.n" }\n',
    );
    expect(() => loadLookupConfig(bad)).toThrow(/sources\.0\.url: unknown placeholder \{tel\}/);
  });

  it('refuses credentials written into a URL, pointing to auth instead', () => {
    const path = file('creds.yaml', 'sources:\n  - kind: voicenter-forward\n    url: https://admin:pw@old.example/popup\n');
    expect(() => loadLookupConfig(path)).toThrow('sources.0.url: must not carry a user name or password: use auth: { type: basic, username, password }');
  });

  it('refuses two sources with one name', () => {
    const path = file('dup.yaml', 'sources:\n  - kind: directory\n  - kind: directory\n');
    expect(() => loadLookupConfig(path)).toThrow('sources.1.name: "directory" is used by another source');
  });

  it('says when the file cannot be read', () => {
    expect(() => loadLookupConfig(join(dir, 'missing.yaml'))).toThrow(/RELAY_CONFIG: cannot read/);
  });
});
