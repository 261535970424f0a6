import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCommand } from '../cli/commands';
import { json, testServer, type TestServer } from './crm-servers';
import { signIn, startRelay, type TestRelay } from './helpers';

/**
 * `agents sync` against a local stand-in of Voicenter's extension list (../shared/VOICENTER-REALTIME.md
 * §3: POST-JSON `code`, `showAll` → `{ERR, DESC, EXTENSIONS: [{SIP, Name, SpeedDial, AccountID, AccountName}]}`;
 * a wrong code gives an empty list).
 */
const CODE = 'account-code';
let voicenter: TestServer;
let relay: TestRelay;
let env: Record<string, string>;

async function cli(args: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCommand(args, { ...process.env, LOG_LEVEL: 'silent', ...env }, { out: (l) => out.push(l), err: (l) => err.push(l) });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

beforeAll(async () => {
  voicenter = await testServer((req, res) => {
    const { code } = JSON.parse(req.body) as { code: string };
    const extension = (SIP: string, Name: string) => ({ SIP, Name, SpeedDial: '100', AccountID: 640, AccountName: 'Acme' });
    json(res, { ERR: 0, DESC: 'OK', EXTENSIONS: code === CODE ? [extension('KGpK4iWq', 'Dana Cohen'), extension('Avi01', 'Avi Levi'), extension('bad sip', 'Nope')] : [] });
  });
  relay = await startRelay({ RELAY_DATA_DIR: mkdtempSync(join(tmpdir(), 'sync-')) });
  await relay.agents.add('KGpK4iWq', 'Dana', 'keep-this-password');
  const dir = mkdtempSync(join(tmpdir(), 'sync-config-'));
  writeFileSync(join(dir, 'relay.yaml'), `voicenter:\n  extensions:\n    code: \${VOICENTER_CODE}\n    url: ${voicenter.url}/Comet/api/GetExtensions\n`);
  env = { RELAY_DATA_DIR: relay.dataDir, RELAY_CONFIG: join(dir, 'relay.yaml'), VOICENTER_CODE: CODE };
});
afterAll(async () => {
  await relay.stop();
  await voicenter.close();
  rmSync(relay.dataDir, { recursive: true, force: true });
});

describe('agents sync', () => {
  it('--dry-run says what would be added and adds nothing', async () => {
    const { out } = await cli(['agents', 'sync', '--dry-run']);
    expect(out).toContain('3 extensions in the Voicenter account; 1 are agents already (left as they are).');
    expect(out).toContain('Would add 1 agents:');
    expect(out).toMatch(/line 3: an extension user is 1 to 64 characters without spaces/);
    expect(voicenter.requests[0]!.path).toBe('/Comet/api/GetExtensions');
    expect(JSON.parse(voicenter.requests[0]!.body)).toEqual({ code: CODE, showAll: 1 });
    expect((await relay.agents.list()).map((a) => a.extenUser)).toEqual(['KGpK4iWq']);
  });

  it('adds the missing extensions with their names and a password printed once, never touching an existing agent', async () => {
    const { out, code } = await cli(['agents', 'sync']);
    expect(code).toBe(1); // the one extension user that cannot be an agent is named
    expect(out).toContain('Added 1 agents.');
    const password = /Avi01\t(\S+)/.exec(out)?.[1];
    expect(await signIn(relay, 'Avi01', password!)).toMatch(/\S/);
    expect((await relay.agents.list()).find((a) => a.extenUser === 'Avi01')?.name).toBe('Avi Levi');
    expect(await signIn(relay, 'KGpK4iWq', 'keep-this-password')).toMatch(/\S/);
  });

  it('a wrong code (an empty list) is said in words', async () => {
    env = { ...env, VOICENTER_CODE: 'wrong' };
    const { code, err } = await cli(['agents', 'sync']);
    expect(code).not.toBe(0);
    expect(err).toContain('Voicenter listed no extension: is the code right');
    env = { ...env, VOICENTER_CODE: CODE };
  });
});
