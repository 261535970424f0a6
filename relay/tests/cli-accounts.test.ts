import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCommand } from '../cli/commands';
import { Console, PASSWORD } from './console-client';
import { signIn, startRelay, type TestRelay } from './helpers';

/** Passwords (at least 8 characters, wherever one is set; out of the process list) and the console's administrators from the CLI. */

async function cli(args: string[], stdin?: string): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const io = { out: (l: string) => out.push(l), err: (l: string) => err.push(l), stdin: stdin === undefined ? undefined : Readable.from([stdin]) };
  const code = await runCommand(args, { ...process.env, LOG_LEVEL: 'silent', RELAY_DATA_DIR: relay.dataDir }, io);
  return { code, out: out.join('\n'), err: err.join('\n') };
}

const consoleSignIn = (username: string, password: string) =>
  fetch(`${relay.url}/console/api/session`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-screenpop-console': '1' },
    body: JSON.stringify({ username, password }),
  });

let relay: TestRelay;

beforeAll(async () => {
  relay = await startRelay({ RELAY_DATA_DIR: mkdtempSync(join(tmpdir(), 'cli-accounts-')) });
  await relay.admins.setPassword('admin', PASSWORD);
});

afterAll(async () => {
  await relay.stop();
});

describe('a password is at least 8 characters', () => {
  const RULE = 'a password is at least 8 characters';

  it('for agents add and passwd, admin add and passwd; nothing is changed', async () => {
    for (const args of [
      ['agents', 'add', 'SHORT1', '--password', 'seven77'],
      ['agents', 'passwd', 'SHORT1', '--password', 'seven77'],
      ['admin', 'add', 'shorty', '--password', 'seven77'],
      ['admin', 'passwd', '--password', 'seven77'],
    ]) {
      const { code, err } = await cli(args);
      expect({ args, code, rule: err.includes(RULE) }).toEqual({ args, code: 2, rule: true });
    }
    expect((await cli(['agents', 'list'])).out).not.toContain('SHORT1');
    expect((await cli(['admin', 'list'])).out).not.toContain('shorty');
    expect((await consoleSignIn('admin', PASSWORD)).status).toBe(201);
    expect((await cli(['agents', 'add', 'EIGHT1', '--password', 'eight888'])).code).toBe(0);
  });

  it('for each row of agents import, by line', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'short-rows-'));
    writeFileSync(join(dir, 'agents.csv'), 'extenUser,name,password\nROW1,One,seven77\nROW2,Two,long-enough\n');
    const { code, out } = await cli(['agents', 'import', join(dir, 'agents.csv')]);
    expect(code).toBe(1);
    expect(out).toContain(`line 2: ${RULE}`);
    expect(out).toContain('Added 1 agents.');
  });

  it("for the console's agents and their new passwords", async () => {
    const c = await Console.signIn(relay);
    const added = await c.call('/agents', { method: 'POST', json: { extenUser: 'CON1', password: 'seven77' } });
    expect(added.status).toBe(400);
    expect(added.text).toContain(RULE);
    expect((await c.call('/agents', { method: 'POST', json: { extenUser: 'CON1', password: 'long-enough' } })).status).toBe(201);
    const changed = await c.call('/agents/CON1/password', { method: 'POST', json: { password: 'seven77' } });
    expect(changed.status).toBe(400);
    expect(changed.text).toContain(RULE);
    expect(await signIn(relay, 'CON1', 'long-enough')).toMatch(/\S/);
  });

  it('a password set before the rule still signs in', async () => {
    await relay.agents.add('OLD1', '', 'pw');
    expect(await signIn(relay, 'OLD1', 'pw')).toMatch(/\S/);
  });
});

describe('--password-stdin', () => {
  it('reads one line of standard input for agents add and passwd, admin add and passwd', async () => {
    expect((await cli(['agents', 'add', 'STDIN1', '--password-stdin'], 'from stdin 1\nnot this line\n')).code).toBe(0);
    expect(await signIn(relay, 'STDIN1', 'from stdin 1')).toMatch(/\S/);
    const changed = await cli(['agents', 'passwd', 'STDIN1', '--password-stdin'], 'from-stdin-2\r\n');
    expect(changed.out).not.toContain('Password:');
    expect(await signIn(relay, 'STDIN1', 'from-stdin-2')).toMatch(/\S/);
    expect((await cli(['admin', 'add', 'stdin-admin', '--password-stdin'], 'admin-from-stdin')).code).toBe(0);
    expect((await consoleSignIn('stdin-admin', 'admin-from-stdin')).status).toBe(201);
    expect((await cli(['admin', 'passwd', '--user', 'stdin-admin', '--password-stdin'], 'admin-again-stdin\n')).code).toBe(0);
    expect((await consoleSignIn('stdin-admin', 'admin-again-stdin')).status).toBe(201);
  });

  it('refuses empty input, and --password with it', async () => {
    expect(await cli(['agents', 'add', 'STDIN2', '--password-stdin'], '')).toMatchObject({ code: 2, err: expect.stringContaining('standard input ended before a line') as string });
    expect(await cli(['agents', 'add', 'STDIN2', '--password-stdin'], '\n')).toMatchObject({ code: 2, err: expect.stringContaining('a password is at least 8 characters') as string });
    expect(await cli(['agents', 'add', 'STDIN2', '--password', 'given-password', '--password-stdin'], 'x\n')).toMatchObject({ code: 2, err: expect.stringContaining('not both') as string });
    expect((await cli(['agents', 'list'])).out).not.toContain('STDIN2');
  });

  it('as a process: the password piped in, never on its command line', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'relay/main.ts', 'agents', 'add', 'PIPE1', '--password-stdin'], {
      env: { ...process.env, LOG_LEVEL: 'silent', RELAY_DATA_DIR: relay.dataDir },
    });
    child.stdin.end('piped-password\n');
    const code = await new Promise((resolve) => child.once('close', resolve));
    expect(code).toBe(0);
    expect(await signIn(relay, 'PIPE1', 'piped-password')).toMatch(/\S/);
  });
});

describe('admin', () => {
  it('passwd --user refuses a name that is no administrator, saying how to add one, and adds nobody', async () => {
    const { code, err } = await cli(['admin', 'passwd', '--user', 'amdin', '--password', 'typo-password']);
    expect(code).toBe(2);
    expect(err).toContain('no administrator amdin');
    expect(err).toMatch(/To add one: (npm run relay --|node \S+|npx tsx \S+) admin add amdin/);
    expect((await cli(['admin', 'list'])).out).not.toContain('amdin');
    expect((await consoleSignIn('amdin', 'typo-password')).status).toBe(401);
  });

  it('add prints a generated password that opens the console; list names every administrator', async () => {
    const { code, out } = await cli(['admin', 'add', 'dana']);
    expect(code).toBe(0);
    const password = /Password: (\S+)/.exec(out)?.[1];
    expect(password).toMatch(/^[\w-]{16}$/);
    expect((await consoleSignIn('dana', password!)).status).toBe(201);
    expect((await cli(['admin', 'add', 'dana'])).err).toContain('administrator dana already exists');
    const listed = (await cli(['admin', 'list'])).out.split('\n').map((l) => l.split('\t')[0]);
    expect(listed).toEqual(expect.arrayContaining(['admin', 'dana']));
    expect((await cli(['admin', 'list'])).out).toMatch(/^dana\tadded \d{4}-\d\d-\d\d$/m);
  });

  it('remove ends the administrator\'s console sessions and never removes the last one', async () => {
    await cli(['admin', 'add', 'leaver', '--password', 'leaver-password']);
    const session = await consoleSignIn('leaver', 'leaver-password');
    const cookie = session.headers.get('set-cookie')!.split(';')[0]!;
    expect((await cli(['admin', 'remove', 'leaver'])).out).toBe('Removed administrator leaver; its console sessions are ended.');
    expect((await fetch(`${relay.url}/console/api/session`, { headers: { cookie } })).status).toBe(401);
    expect((await cli(['admin', 'remove', 'leaver'])).err).toContain('no administrator leaver');
    for (const other of (await relay.admins.list()).filter((a) => a.username !== 'admin')) await relay.admins.remove(other.username);
    const last = await cli(['admin', 'remove', 'admin']);
    expect(last.code).toBe(2);
    expect(last.err).toContain('admin is the only administrator');
    expect((await consoleSignIn('admin', PASSWORD)).status).toBe(201);
  });
});

describe('admin passwd before the first start', () => {
  it('sets the first administrator\'s password on an installation that has none yet', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'no-admin-yet-'));
    const out: string[] = [];
    const code = await runCommand(['admin', 'passwd', '--password', 'before-start'], { ...process.env, RELAY_DATA_DIR: dataDir }, { out: (l) => out.push(l), err: (l) => out.push(l) });
    expect(code).toBe(0);
    const fresh = await startRelay({ RELAY_DATA_DIR: dataDir });
    try {
      expect(await fresh.admins.list()).toEqual([expect.objectContaining({ username: 'admin' })]);
      expect((await fresh.admins.signIn('admin', 'before-start')).ok).toBe(true);
    } finally {
      await fresh.stop();
    }
  });
});
