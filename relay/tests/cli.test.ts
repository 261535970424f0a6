import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { runCommand } from '../cli/commands';
import { buildRelay } from '../scripts/build-relay';
import { AgentClient, signIn, startRelay, type TestRelay } from './helpers';
import { json, testServer } from './crm-servers';

/**
 * Runs `npm run relay -- <args>` in this process: the same command code a supervisor runs, with
 * its output captured (a child process proves nothing more; `start` and the entry point itself
 * are run as processes below).
 */
async function cli(args: string[], env: Record<string, string>): Promise<{ code: number | null; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCommand(args, { ...process.env, LOG_LEVEL: 'silent', ...env }, { out: (l) => out.push(l), err: (l) => err.push(l) });
  return { code, out: out.map((l) => `${l}\n`).join(''), err: err.map((l) => `${l}\n`).join('') };
}

/** The entry point as a process: `node --import tsx relay/main.ts <args>`. */
function cliProcess(args: string[], env: Record<string, string>): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'relay/main.ts', ...args], { env: { ...process.env, LOG_LEVEL: 'silent', ...env } });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('close', (code) => resolve({ code, out, err }));
  });
}

const consoleSignIn = (url: string, password: string) =>
  fetch(`${url}/console/api/session`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-screenpop-console': '1' },
    body: JSON.stringify({ username: 'admin', password }),
  });

let relay: TestRelay;
let env: Record<string, string>;

beforeAll(async () => {
  relay = await startRelay({ RELAY_DATA_DIR: mkdtempSync(join(tmpdir(), 'cli-')) });
  env = { RELAY_DATA_DIR: relay.dataDir };
});

afterAll(async () => {
  await relay.stop();
});

describe('npm run relay -- <command>', () => {
  it('agents add prints a generated password that signs in', async () => {
    const { code, out } = await cli(['agents', 'add', 'SIP100', '--name', 'Dana Cohen'], env);
    expect(code).toBe(0);
    const password = /Password: (\S+)/.exec(out)?.[1];
    expect(password).toMatch(/^[\w-]{16}$/);
    expect(await signIn(relay, 'SIP100', password!)).toMatch(/\S/);
  });

  it('agents add refuses an extension user that exists', async () => {
    await cli(['agents', 'add', 'SIP101', '--password', 'pw-12345'], env);
    const { code, err } = await cli(['agents', 'add', 'SIP101', '--password', 'pw-12345'], env);
    expect(code).toBe(2);
    expect(err).toContain('agent SIP101 already exists');
  });

  it('agents add follows the console\'s rules for an extension user', async () => {
    const { code, err } = await cli(['agents', 'add', 'two words', '--password', 'pw-12345'], env);
    expect(code).toBe(2);
    expect(err).toContain('an extension user is 1 to 64 characters without spaces');
  });

  it('agents list prints one line per agent', async () => {
    await cli(['agents', 'add', 'SIP102', '--name', 'Avi', '--password', 'pw-12345'], env);
    const { out } = await cli(['agents', 'list'], env);
    expect(out.split('\n')).toContain('SIP102\tAvi\tenabled');
  });

  it('agents remove, while the relay runs, ends the agent\'s sessions at once', async () => {
    await cli(['agents', 'add', 'SIP103', '--password', 'pw-12345'], env);
    const client = await AgentClient.connect(relay, await signIn(relay, 'SIP103', 'pw-12345'));
    const { code } = await cli(['agents', 'remove', 'SIP103'], env);
    expect(code).toBe(0);
    expect(await client.closed()).toBe(4001);
  });

  it('agents passwd, while the relay runs, ends the agent\'s sessions and sets the new password', async () => {
    await cli(['agents', 'add', 'SIP104', '--password', 'old-password'], env);
    const client = await AgentClient.connect(relay, await signIn(relay, 'SIP104', 'old-password'));
    await cli(['agents', 'passwd', 'SIP104', '--password', 'new-password'], env);
    expect(await client.closed()).toBe(4001);
    expect(await signIn(relay, 'SIP104', 'new-password')).toMatch(/\S/);
  });

  it('agents import adds the good rows, names each bad line, leaves existing agents alone, and prints generated passwords once', async () => {
    await cli(['agents', 'add', 'SIP200', '--password', 'keep-me-please'], env);
    const dir = mkdtempSync(join(tmpdir(), 'typed-in-'));
    writeFileSync(join(dir, 'agents.csv'), 'extenUser,name,password\nSIP201,Dana Cohen,\nSIP202,Avi,chosen-pw\ntwo words,Bad,\nSIP200,Again,x\n,Nobody,\n');
    // A file named as typed in another folder: npm run moves to the project's root, INIT_CWD says where it was typed.
    const { code, out } = await cli(['agents', 'import', 'agents.csv'], { ...env, INIT_CWD: dir });
    expect(code).toBe(1);
    expect(out).toContain('Added 2 agents.');
    expect(out).toMatch(/line 4: an extension user is 1 to 64 characters without spaces/);
    expect(out).toMatch(/line 5: agent SIP200 already exists \(its password is left as it is\)/);
    expect(out).toMatch(/line 6: /);
    const generated = /SIP201\t(\S+)/.exec(out)?.[1];
    expect(generated).toMatch(/^[\w-]{16}$/);
    expect(await signIn(relay, 'SIP201', generated!)).toMatch(/\S/);
    expect(await signIn(relay, 'SIP202', 'chosen-pw')).toMatch(/\S/);
    expect(await signIn(relay, 'SIP200', 'keep-me-please')).toMatch(/\S/);
  });

  it('agents import --passwords-to writes the generated passwords to a file only its owner reads', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'typed-in-'));
    writeFileSync(join(dir, 'more.csv'), 'extenuser,name\nSIP210,One\nSIP211,Two\n');
    const { code, out } = await cli(['agents', 'import', 'more.csv', '--passwords-to', 'secret.csv'], { ...env, INIT_CWD: dir });
    expect(code).toBe(0);
    expect(out).not.toMatch(/SIP210\t/);
    const file = join(dir, 'secret.csv');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const [header, first] = readFileSync(file, 'utf8').trim().split('\n');
    expect(header).toBe('extenUser,password');
    expect(await signIn(relay, 'SIP210', first!.split(',')[1]!)).toMatch(/\S/);
  });

  it('contacts import reports bad rows by line and lookup finds the good ones', async () => {
    const file = join(relay.dataDir, 'contacts.csv');
    writeFileSync(file, 'name,company,phone\nDana,Acme,072-277-6772\n,Nobody,0501234567\n');
    const imported = await cli(['contacts', 'import', file], env);
    expect(imported.out).toContain('Imported 1 new and 0 updated contacts.');
    expect(imported.out).toContain('line 3: name is empty');
    expect(imported.code).toBe(1);
    const { code, out } = await cli(['lookup', '972722776772'], { ...env, RELAY_SEARCH_URL: 'https://crm.example/s?q={e164}' });
    expect(code).toBe(0);
    const json = JSON.parse(out.slice(0, out.indexOf('}') + 1));
    expect(json).toEqual({ STATUS: 'OK', URL: '', CLIENTNAME: 'Dana', TOTAL: 1, COMPANY: 'Acme' });
    expect(out).toMatch(/directory: found, exact number, 1 match/);
  });

  it('lookup prints the trace of every source, and cache clear forgets CRM answers', async () => {
    const crm = await testServer((_req, res) => json(res, { data: [{ id: 9, name: 'Crm Person', org: 'Crm Co' }] }));
    try {
      const file = join(relay.dataDir, 'lookup.yaml');
      writeFileSync(
        file,
        `sources:
  - kind: directory
  - kind: http
    name: crm
    url: ${crm.url}/contacts
    query: { phone: "{e164}" }
    auth: { type: bearer, token: "\${CLI_CRM_TOKEN}" }
    response: { items: "$.data[*]", name: "$.name", company: "$.org", id: "$.id" }
`,
      );
      const withConfig = { ...env, RELAY_CONFIG: file, CLI_CRM_TOKEN: 'cli-secret' };
      const first = await cli(['lookup', '0529998877'], withConfig);
      expect(first.code).toBe(0);
      expect(first.out).toContain('"CLIENTNAME": "Crm Person"');
      expect(first.out).toMatch(/answer: crm: found, exact number, 1 match\(es\), [\d.]+ ms; cache: miss/);
      expect(first.out).toMatch(/directory\s+none/);
      expect(first.out).toMatch(/crm\s+matched\s+\d+ ms\s+exact number, 1 match/);
      expect(first.out + first.err).not.toContain('cli-secret');
      const second = await cli(['lookup', '0529998877'], withConfig);
      expect(second.out).toContain('exact number, from the cache');
      expect(crm.requests).toHaveLength(1);
      const cleared = await cli(['cache', 'clear'], withConfig);
      expect(cleared.out).toContain('Cleared 1 cached lookups.');
      await cli(['lookup', '0529998877'], withConfig);
      expect(crm.requests).toHaveLength(2);
    } finally {
      await crm.close();
    }
  });

  it('names the variable of a bad setting', async () => {
    const { code, err } = await cli(['agents', 'list'], { ...env, PORT: 'eighty' });
    expect(code).toBe(2);
    expect(err).toContain('PORT: must be a number');
  });

  it('prints usage for an unknown command, also as a process, with exit code 2', async () => {
    const { code, err } = await cli(['frobnicate'], env);
    expect(code).toBe(2);
    expect(err).toMatch(/Usage: (npm run relay --|node \S+|npx tsx \S+) <command>/);
    const run = await cliProcess(['frobnicate'], env);
    expect(run).toMatchObject({ code: 2, err: expect.stringMatching(/Usage: (npm run relay --|node \S+|npx tsx \S+) <command>/) as string });
    const listed = await cliProcess(['agents', 'list'], env);
    expect(listed.code).toBe(0);
    expect(listed.out).toContain('SIP102\tAvi\tenabled');
  });

  it('admin passwd sets the console password, ending the administrator\'s console sessions', async () => {
    const { code, out } = await cli(['admin', 'passwd'], env);
    expect(code).toBe(0);
    const password = /Password: (\S+)/.exec(out)?.[1];
    expect(password).toMatch(/^[\w-]{16}$/);
    const session = await consoleSignIn(relay.url, password!);
    expect(session.status).toBe(201);
    await cli(['admin', 'passwd', '--password', 'chosen-one'], env);
    const cookie = session.headers.get('set-cookie')!.split(';')[0]!;
    expect((await fetch(`${relay.url}/console/api/floor`, { headers: { cookie } })).status).toBe(401);
    expect((await consoleSignIn(relay.url, 'chosen-one')).status).toBe(201);
  });

  it('start (the compiled relay, as npm start runs it) prints the pop-up URL, serves it, and stops cleanly on SIGTERM, telling extensions to come back', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'start-'));
    await cli(['agents', 'add', 'T1', '--password', 'pw-12345'], { RELAY_DATA_DIR: dataDir });
    // Built as npm start builds it (relay/scripts/build-relay.ts), into a folder of the test's own.
    const compiled = join('dist', `relay-test-${process.pid}`, 'main.js');
    await buildRelay(compiled);
    onTestFinished(() => rmSync(dirname(compiled), { recursive: true, force: true }));
    const child: ChildProcess = spawn(process.execPath, ['--enable-source-maps', compiled, 'start'], {
      env: { ...process.env, RELAY_DATA_DIR: dataDir, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'info' },
    });
    let out = '';
    const [popupUrl, adminPassword] = await new Promise<[string, string]>((resolve, reject) => {
      child.stdout!.on('data', (d: Buffer) => {
        out += d.toString();
        const url = /Voicenter pop-up URL: (\S+)/.exec(out)?.[1];
        const password = /sign in as "admin" with the password (\S+)/.exec(out)?.[1];
        if (url && password) resolve([url, password]);
      });
      child.once('exit', () => reject(new Error(`relay exited: ${out}`)));
    });
    expect(popupUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/voicenter\/[\w-]{32}$/);
    // The first administrator's password comes last, set apart, never between JSON log lines.
    const lines = out.slice(out.indexOf('Relay listening')).split('\n');
    const block = lines.findIndex((l) => l.includes('with the password'));
    expect(lines.slice(0, block + 2).some((l) => l.startsWith('{'))).toBe(false);
    expect(lines[block - 2]).toBe('');
    const res = await fetch(`${popupUrl}?ivrid=start1&phone=0722776772&statusCall=Ringing`);
    expect(await res.json()).toEqual({ STATUS: 'OK', URL: '', CLIENTNAME: '', TOTAL: 0, COMPANY: '' });
    const base = { url: new URL(popupUrl).origin };
    expect(out).toContain(`Console: ${base.url}/`);
    const session = await consoleSignIn(base.url, adminPassword);
    expect(session.status).toBe(201);
    // A supervisor's console open on the live page must not keep the relay from stopping.
    const live = await fetch(`${base.url}/console/api/floor/events`, { headers: { cookie: session.headers.get('set-cookie')!.split(';')[0]! } });
    expect(live.status).toBe(200);
    const liveEnded = live.text();
    const agent = await AgentClient.connect(base, await signIn(base, 'T1', 'pw-12345'));
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    // 1012 "service restart": the extension reconnects, with jitter, to the relay that comes back.
    expect(await agent.closed()).toBe(1012);
    expect(await exited).toBe(0);
    expect(await liveEnded).toContain('event: floor');
  });
});
