/**
 * `npm run relay -- lookup <number>` as a supervisor checks a CRM source with it: the requests that
 * were sent (method and URL, credentials left out) and every record a source returned, kept or
 * dropped and why. Run in this process against local servers, as relay/tests/cli.test.ts does.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runCommand } from '../cli/commands';
import { json, testServer, type TestServer } from '../tests/crm-servers';

let servers: TestServer[] = [];
afterEach(async () => {
  await Promise.all(servers.map((s) => s.close()));
  servers = [];
});

async function lookup(number: string, env: Record<string, string>): Promise<{ code: number | null; out: string }> {
  const out: string[] = [];
  const code = await runCommand(['lookup', number], { ...process.env, LOG_LEVEL: 'silent', ...env }, { out: (l) => out.push(l), err: (l) => out.push(l) });
  return { code, out: out.join('\n') };
}

describe('lookup <number>', () => {
  it('prints each request sent without its credentials, and every record returned, kept or dropped and why', async () => {
    const crm = await testServer((_req, res) =>
      json(res, { data: [{ id: 1, name: 'Not Him', org: 'Other Co', phone: '+44 20 7946 0000' }, { id: 2, name: 'Dana Cohen', org: 'Acme', phone: '052-999-8877' }] }),
    );
    // An older pop-up endpoint, asked first: it knows nobody. Its path carries its own token.
    const forward = await testServer((_req, res) => json(res, { STATUS: 'OK', TOTAL: 0, CLIENTNAME: '' }));
    servers.push(crm, forward);
    const dir = mkdtempSync(join(tmpdir(), 'lookup-cli-'));
    const file = join(dir, 'lookup.yaml');
    writeFileSync(
      file,
      `sources:
  - kind: voicenter-forward
    name: old-popup
    url: ${forward.url}/voicenter/path-token-77
    format: json
  - kind: http
    name: crm
    url: ${crm.url}/contacts
    query: { phone: "{e164}" }
    auth: { type: query, param: api_token, value: "\${LOOKUP_TOKEN}" }
    response: { items: "$.data[*]", name: "$.name", company: "$.org", id: "$.id", phone: "$.phone" }
`,
    );
    const { code, out } = await lookup('0529998877', { RELAY_DATA_DIR: dir, RELAY_CONFIG: file, LOOKUP_TOKEN: 'lookup-secret' });
    expect(code).toBe(0);
    expect(crm.requests[0]!.query.get('api_token')).toBe('lookup-secret');
    expect(out).toContain(`GET ${crm.url}/contacts?phone=%2B972529998877&api_token=…`);
    expect(out).toContain(`POST ${forward.url}/… (a forwarded endpoint: its path is not shown)`);
    expect(out).toMatch(/dropped Not Him \(Other Co\) \[id 1\]: none of its numbers \(\+44 20 7946 0000\) is the caller's/);
    expect(out).toMatch(/kept {4}Dana Cohen \(Acme\) \[id 2\]: 052-999-8877 is the caller's number/);
    expect(out).not.toContain('lookup-secret');
    expect(out).not.toContain('path-token-77');
  });

  it('says so when no request left (the answer came from the cache)', async () => {
    const crm = await testServer((_req, res) => json(res, { data: [{ id: 2, name: 'Dana Cohen', org: 'Acme' }] }));
    servers.push(crm);
    const dir = mkdtempSync(join(tmpdir(), 'lookup-cli-'));
    const file = join(dir, 'lookup.yaml');
    writeFileSync(file, `sources:\n  - kind: http\n    name: crm\n    url: ${crm.url}/contacts\n    query: { phone: "{e164}" }\n    response: { items: "$.data[*]", name: "$.name", id: "$.id" }\n`);
    const env = { RELAY_DATA_DIR: dir, RELAY_CONFIG: file };
    expect((await lookup('0529998877', env)).out).toContain(`GET ${crm.url}/contacts?phone=%2B972529998877`);
    const cached = await lookup('0529998877', env);
    expect(cached.out).toContain('cache: fresh');
    expect(cached.out).toContain('requests sent: none');
    expect(crm.requests).toHaveLength(1);
  });
});
