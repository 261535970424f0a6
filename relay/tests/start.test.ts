import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdtempSync, readdirSync, statSync } from 'node:fs';
import { request } from 'node:http';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, onTestFinished } from 'vitest';
import { WebSocket } from 'ws';
import { AUTH_PROTOCOL_PREFIX, PROTOCOL } from '../../shared/messages';
import { runCommand } from '../cli/commands';
import { EXTENSION_ID } from '../platform/config';
import { projectPath } from '../platform/project-root';
import { AgentClient, signIn } from './helpers';
import { freshPostgres, freshRedis } from './services';

/** `npm start` as a supervisor meets it: a busy port, the first administrator's password, what it prints, the data directory's modes, the pop-up port. */

interface Started {
  child: ChildProcess;
  out: string;
  err: string;
  /** Resolves with the exit code once the process has ended. */
  exited: Promise<number | null>;
}

/** Starts `relay/main.ts start`; resolves once `until` is printed on its standard output, or it has exited. */
function start(env: Record<string, string>, until: RegExp = /Console: \S+/): Promise<Started> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'relay/main.ts', 'start'], { env: { ...process.env, HOST: '127.0.0.1', PORT: '0', LOG_LEVEL: 'info', ...env } });
  const started: Started = { child, out: '', err: '', exited: new Promise((resolve) => child.once('exit', (code) => resolve(code))) };
  onTestFinished(async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await started.exited;
  });
  child.stderr.on('data', (d: Buffer) => (started.err += d.toString()));
  return new Promise((resolve, reject) => {
    child.stdout.on('data', (d: Buffer) => {
      started.out += d.toString();
      if (until.test(started.out)) resolve(started);
    });
    started.exited.then(() => resolve(started), reject);
  });
}

/** Stops it as systemd does, and waits for the end. */
async function stop(started: Started): Promise<void> {
  started.child.kill('SIGTERM');
  expect(await started.exited).toBe(0);
}

/** A port another program holds for the length of the test. */
async function busyPort(): Promise<number> {
  const holder = createServer();
  await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve));
  onTestFinished(() => new Promise<void>((resolve) => holder.close(() => resolve())));
  return (holder.address() as AddressInfo).port;
}

const printed = (out: string, label: RegExp) => label.exec(out)?.[1];
const firstPassword = (out: string) => printed(out, /sign in as "admin" with the password (\S+)/);

const consoleSignIn = (base: string, password: string) =>
  fetch(`${base}/console/api/session`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-screenpop-console': '1' },
    body: JSON.stringify({ username: 'admin', password }),
  }).then((r) => r.status);

/** A busy port first, then a free one: the one line, then the first administrator's password, still there, until it is used. */
async function busyThenFree(env: Record<string, string>): Promise<void> {
  const port = await busyPort();
  const failed = await start({ ...env, PORT: String(port) });
  expect(await failed.exited).toBe(1);
  const lines = failed.err.trim().split('\n');
  expect(lines).toEqual([`Cannot start: port ${port} on 127.0.0.1 is already in use by another program (PORT=${port}, HOST=127.0.0.1). Stop that program, or set PORT to a free port.`]);
  expect(failed.out).not.toContain('Relay listening');

  const second = await start(env, /with the password \S+/);
  const base = printed(second.out, /Console: (\S+)\//)!;
  const password = firstPassword(second.out);
  expect(password).toMatch(/^[\w-]{16}$/);
  await stop(second);
  // Not used yet: shown again.
  const third = await start(env, /with the password \S+/);
  expect(firstPassword(third.out)).toBe(password);
  expect(await consoleSignIn(printed(third.out, /Console: (\S+)\//)!, password!)).toBe(201);
  await stop(third);
  // Used: never again.
  const fourth = await start(env);
  expect(fourth.out).not.toContain('with the password');
  expect(base).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  await stop(fourth);
}

const database = await freshPostgres();
const redis = await freshRedis();
afterAll(async () => {
  await redis?.drop();
  await database?.drop();
});

/**
 * A test's time for its starts of a process: each compiles the relay with tsx, seconds on a loaded
 * machine (two starts in a row once took over 20 s beside `stress --cpu 2` and other tests).
 */
const startsTime = (starts: number) => starts * 25_000;
const START_TIMES_FOUR = startsTime(4);

describe('npm start on a port already in use', () => {
  it('says so in one line naming PORT and HOST, exits 1, and the first password is shown at the next start until it is used', async () => {
    await busyThenFree({ RELAY_DATA_DIR: mkdtempSync(join(tmpdir(), 'busy-')) });
  }, START_TIMES_FOUR);

  it('the same with several relays (PostgreSQL and Redis)', async ({ skip }) => {
    if (!database || !redis) return skip('PostgreSQL or Redis is not reachable');
    await busyThenFree({ RELAY_DATABASE_URL: database.url, RELAY_REDIS_URL: redis.url, RELAY_REDIS_PREFIX: `${redis.prefix}start:`, RELAY_DATA_DIR: mkdtempSync(join(tmpdir(), 'busy-pg-')) });
  }, START_TIMES_FOUR);
});

describe('what npm start prints', () => {
  it('says which extension the agents load unpacked, and what the installation\'s own id is for', async () => {
    const started = await start({ RELAY_DATA_DIR: mkdtempSync(join(tmpdir(), 'printed-')) });
    const base = printed(started.out, /Console: (\S+)\//)!;
    const installationId = printed(started.out, /this installation's own id, ([a-p]{32})/);
    expect(installationId).toMatch(/^[a-p]{32}$/);
    expect(started.out).toContain(`Extension for the agents: in Chrome, load unpacked from ${projectPath('dist/extension')} (id ${EXTENSION_ID})`);
    expect(started.out).toContain(`Or install it on managed Chromes by policy (force-install): it then has this installation's own id, ${installationId},`);
    expect(started.out).toContain(`the policy's ExtensionInstallForcelist entry: ${installationId};${base}/extension/updates.xml`);
    expect(started.out).toMatch(new RegExp(`Voicenter pop-up URL: ${base}/voicenter/[\\w-]{32}\\n`));
    await stop(started);
  }, startsTime(1));
});

describe('the data directory', () => {
  const mode = (path: string) => (statSync(path).mode & 0o777).toString(8);

  it('is made readable by the relay\'s user only: the folder 700, the database, its WAL and the secrets 600', async () => {
    const dataDir = join(mkdtempSync(join(tmpdir(), 'modes-')), 'data');
    const started = await start({ RELAY_DATA_DIR: dataDir });
    expect(readdirSync(dataDir).sort()).toEqual(['extension-key.pem', 'relay.db', 'relay.db-shm', 'relay.db-wal', 'voicenter-token']);
    expect(mode(dataDir)).toBe('700');
    for (const file of readdirSync(dataDir)) expect({ file, mode: mode(join(dataDir, file)) }).toEqual({ file, mode: '600' });
    await stop(started);
  }, startsTime(1));

  it('of an existing installation is tightened at start, and the log says so', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'loose-'));
    await stop(await start({ RELAY_DATA_DIR: dataDir }));
    chmodSync(dataDir, 0o755);
    for (const file of readdirSync(dataDir)) chmodSync(join(dataDir, file), 0o644);
    const started = await start({ RELAY_DATA_DIR: dataDir });
    expect(mode(dataDir)).toBe('700');
    for (const file of readdirSync(dataDir)) expect({ file, mode: mode(join(dataDir, file)) }).toEqual({ file, mode: '600' });
    const said = started.out.split('\n').find((l) => l.includes('data directory'));
    expect(said).toContain(`made readable by the relay's user only: ${dataDir} (was 755)`);
    expect(said).toContain(`${join(dataDir, 'voicenter-token')} (was 644)`);
    await stop(started);
  }, startsTime(2));
});

/** A raw request (fetch would resolve dot segments before sending). */
function rawGet(base: string, path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(`${base}${path}`, { path }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode!, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('RELAY_POPUP_PORT', () => {
  it('serves Voicenter\'s URLs only, popping for an agent connected on the main port, which still serves everything', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'popup-port-'));
    await runCommand(['agents', 'add', 'PP1', '--password', 'popup-port-pw'], { ...process.env, RELAY_DATA_DIR: dataDir }, { out: () => undefined, err: () => undefined });
    const started = await start({ RELAY_DATA_DIR: dataDir, RELAY_POPUP_PORT: '0' });
    const main = printed(started.out, /Relay listening on (\S+)/)!;
    const popupPort = printed(started.out, /Pop-up port listening on (\S+): Voicenter's URLs \(\/voicenter\/…\) only/)!;
    const popupUrl = printed(started.out, /Voicenter pop-up URL: (\S+)/)!;
    expect(popupPort).not.toBe(main);
    expect(new URL(popupUrl).origin).toBe(popupPort);

    const agent = await AgentClient.connect({ url: main }, await signIn({ url: main }, 'PP1', 'popup-port-pw'));
    const answer = await fetch(popupUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ ivrid: 'pp-1', extenUser: 'PP1', phone: '0722776772', status: 'Ringing' }) });
    expect(answer.status).toBe(200);
    expect((await agent.next((m) => m.type === 'call' && m.call.ivrid === 'pp-1')).type).toBe('call');
    // The main port still takes Voicenter's requests too.
    expect((await fetch(`${main}${new URL(popupUrl).pathname}?ivrid=pp-2&extenUser=PP1&phone=0722776772&statusCall=Ringing`)).status).toBe(200);

    for (const path of ['/', '/index.html', '/console/api/session', '/api/sessions', '/ws', '/metrics', '/healthz', '/extension/updates.xml', '/voicenter/../index.html', '/voicenter/%2e%2e/console/api/session', '/voicenterx']) {
      const res = await rawGet(popupPort, path);
      expect({ path, status: res.status, body: JSON.parse(res.body) as unknown }).toEqual({ path, status: 404, body: { STATUS: 'ERROR', CODE: 'NOT_FOUND', ERROR: 'not found' } });
    }
    const signInThere = await fetch(`${popupPort}/api/sessions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ extenUser: 'PP1', password: 'popup-port-pw' }) });
    expect(signInThere.status).toBe(404);
    const token = await signIn({ url: main }, 'PP1', 'popup-port-pw');
    const refused = await new Promise<number>((resolve, reject) => {
      const ws = new WebSocket(`${popupPort.replace('http', 'ws')}/ws`, [PROTOCOL, `${AUTH_PROTOCOL_PREFIX}${token}`]);
      ws.once('unexpected-response', (_req, res) => resolve(res.statusCode!));
      ws.once('open', () => reject(new Error('a WebSocket opened on the pop-up port')));
    });
    expect(refused).toBe(404);
    // A wrong token is the pop-up endpoint's own 404, there as on the main port.
    expect((await fetch(`${popupPort}/voicenter/wrong-token-wrong-token?ivrid=x`)).status).toBe(404);

    expect((await fetch(`${main}/healthz`)).status).toBe(200);
    expect((await fetch(`${main}/console/api/session`)).status).toBe(401);
    agent.close();
    await stop(started);
  }, startsTime(1));

  it('on a busy port says so naming RELAY_POPUP_PORT, and exits 1', async () => {
    const port = await busyPort();
    const failed = await start({ RELAY_DATA_DIR: mkdtempSync(join(tmpdir(), 'popup-busy-')), RELAY_POPUP_PORT: String(port) });
    expect(await failed.exited).toBe(1);
    expect(failed.err.trim()).toBe(`Cannot start: port ${port} on 127.0.0.1 is already in use by another program (RELAY_POPUP_PORT=${port}, HOST=127.0.0.1). Stop that program, or set RELAY_POPUP_PORT to a free port.`);
  }, startsTime(1));
});
