import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCommand } from '../cli/commands';
import type { AgentsSync } from '../../shared/console';
import { Console, PASSWORD } from './console-client';
import { json, testServer, type TestServer } from './crm-servers';
import { signIn, startRelay, type TestRelay } from './helpers';

/**
 * `agents sync` against a local stand-in of Voicenter's extension list (../shared/VOICENTER-REALTIME.md
 * §3: POST-JSON `code`, `showAll` → `{ERR, DESC, EXTENSIONS: [{SIP, Name, SpeedDial, AccountID, AccountName}]}`;
 * a wrong code gives an empty list).
 */
const CODE = 'account-code';
let voicenter: TestServer;
/** While set, the stand-in holds its answers until it resolves (requests that overlap). */
let gate: Promise<void> | undefined;
let relay: TestRelay;
let env: Record<string, string>;

async function cli(args: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCommand(args, { ...process.env, LOG_LEVEL: 'silent', ...env }, { out: (l) => out.push(l), err: (l) => err.push(l) });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

beforeAll(async () => {
  voicenter = await testServer(async (req, res) => {
    await gate;
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

describe("the console's sync button (Agents page)", () => {
  let synced: TestRelay;
  let console_: Console;
  beforeAll(async () => {
    synced = await startRelay({}, { voicenter: { realtime: null, click2call: null, extensions: { code: CODE, url: `${voicenter.url}/Comet/api/GetExtensions` } } });
    await synced.agents.add('KGpK4iWq', 'Dana', 'keep-this-password');
    await synced.admins.setPassword('admin', PASSWORD);
    console_ = await Console.signIn(synced);
  });
  afterAll(() => synced.stop());

  it('previews, then adds the missing extensions with passwords shown once, leaving existing agents alone', async () => {
    expect((await console_.call('/agents/sync')).body).toEqual({ available: true });
    const preview = await console_.call('/agents/sync?dryRun=1', { method: 'POST' });
    expect(preview.status).toBe(200);
    expect(preview.body as AgentsSync).toMatchObject({ listed: 3, existing: 1, missing: [{ extenUser: 'Avi01', name: 'Avi Levi' }, { extenUser: 'bad sip' }], report: { good: 1, added: 0, generated: [] } });
    expect((await synced.agents.list()).map((a) => a.extenUser)).toEqual(['KGpK4iWq']);

    const done = (await console_.call('/agents/sync', { method: 'POST' })).body as AgentsSync;
    expect(done.report).toMatchObject({ added: 1, bad: [{ line: 3 }] });
    const avi = done.report.generated.find((g) => g.extenUser === 'Avi01')!;
    expect(await signIn(synced, 'Avi01', avi.password)).toMatch(/\S/);
    expect(await signIn(synced, 'KGpK4iWq', 'keep-this-password')).toMatch(/\S/);
    // Again: nothing left to add.
    expect(((await console_.call('/agents/sync', { method: 'POST' })).body as AgentsSync).report.added).toBe(0);
  });

  it('one sync at a time: requests at once get one answer and a 409 each for the others', async () => {
    let open!: () => void;
    gate = new Promise((resolve) => (open = resolve));
    const asked = voicenter.requests.length;
    const answered: number[] = [];
    const all = Array.from({ length: 5 }, () => console_.call('/agents/sync?dryRun=1', { method: 'POST' }).then((r) => (answered.push(r.status), r)));
    // Whichever came first holds the one sync (its answer waits on Voicenter); the others are answered at once.
    await expect.poll(() => answered.length).toBe(4);
    expect(answered).toEqual([409, 409, 409, 409]);
    open();
    gate = undefined;
    const answers = await Promise.all(all);
    expect(answers.map((r) => r.status).sort()).toEqual([200, 409, 409, 409, 409]);
    expect(answers.filter((r) => r.status === 409).map((r) => r.body?.CODE)).toEqual(Array(4).fill('CONFLICT'));
    expect(voicenter.requests.length - asked).toBe(1);
    expect((await console_.call('/agents/sync?dryRun=1', { method: 'POST' })).status).toBe(200);
  });

  it('not set up, or refused by Voicenter: said in words, nothing added', async () => {
    const plain = await startRelay();
    try {
      await plain.admins.setPassword('admin', PASSWORD);
      const c = await Console.signIn(plain);
      expect((await c.call('/agents/sync')).body).toEqual({ available: false });
      const refused = await c.call('/agents/sync', { method: 'POST' });
      expect([refused.status, refused.body?.ERROR]).toEqual([503, expect.stringContaining('not set up')]);
    } finally {
      await plain.stop();
    }
    const wrong = await startRelay({}, { voicenter: { realtime: null, click2call: null, extensions: { code: 'wrong', url: `${voicenter.url}/Comet/api/GetExtensions` } } });
    try {
      await wrong.admins.setPassword('admin', PASSWORD);
      const answer = await (await Console.signIn(wrong)).call('/agents/sync', { method: 'POST' });
      expect([answer.status, answer.body?.ERROR]).toEqual([503, expect.stringContaining('is the code right')]);
      expect(await wrong.agents.list()).toEqual([]);
    } finally {
      await wrong.stop();
    }
  });
});
