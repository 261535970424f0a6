import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRelay, type TestRelay } from './helpers';
import { clusterServices } from './per-test';

/**
 * The CLI beside several relays: a password set with `npm run relay -- agents passwd` (or `admin
 * passwd`) lets the account in at once on the relays, though its failed sign-ins were counted in
 * Redis, not in the CLI's process.
 */
const { database, redis, ready } = await clusterServices();
let relay: TestRelay;
let env: Record<string, string>;

beforeAll(async () => {
  if (!ready) return;
  env = { RELAY_DATABASE_URL: database!.url, RELAY_REDIS_URL: redis!.url, RELAY_REDIS_PREFIX: `${redis!.prefix}cli:`, RELAY_DATA_DIR: mkdtempSync(join(tmpdir(), 'cluster-cli-')) };
  // The relay's throttle on a clock standing still: the waits it sets do not run out while the CLI's process starts (the first is 1 s).
  const now = Date.now();
  relay = await startRelay(env, { signInClock: () => now });
});
afterAll(async () => {
  await relay?.stop();
});

/** The entry point as a process, as a supervisor runs it: `node --import tsx relay/main.ts <args>`. */
function cliProcess(args: string[], settings: Record<string, string> = env): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'relay/main.ts', ...args], { env: { ...process.env, LOG_LEVEL: 'silent', ...settings } });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('close', (code) => resolve({ code, out, err }));
  });
}

const agentSignIn = (extenUser: string, password: string) =>
  fetch(`${relay.url}/api/sessions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ extenUser, password }) }).then((r) => r.status);

const consoleSignIn = (username: string, password: string) =>
  fetch(`${relay.url}/console/api/session`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-screenpop-console': '1' },
    body: JSON.stringify({ username, password }),
  }).then((r) => r.status);

/** Fails sign-ins until the relay refuses to check more (429: the sixth, after five failures). */
async function throttle(signIn: () => Promise<number>): Promise<void> {
  const answers: number[] = [];
  while (answers.length < 10 && answers.at(-1) !== 429) answers.push(await signIn());
  expect(answers).toEqual([401, 401, 401, 401, 401, 429]);
}

describe.skipIf(!ready)('a password set from the CLI beside several relays', () => {
  it('agents passwd: the agent throttled on a relay signs in with the new password at once', async () => {
    await relay.agents.add('T1', 'Dana', 'old-password');
    await throttle(() => agentSignIn('T1', 'wrong'));
    // Throttled: even the right password is not checked.
    expect(await agentSignIn('T1', 'old-password')).toBe(429);

    const { code, out, err } = await cliProcess(['agents', 'passwd', 'T1', '--password', 'new-password']);
    expect({ code, err }).toEqual({ code: 0, err: '' });
    expect(out).toContain('New password set for T1');
    expect(await agentSignIn('T1', 'new-password')).toBe(201);
  });

  it('admin passwd: the administrator throttled in a relay\'s console signs in with the new password at once', async () => {
    await relay.admins.setPassword('admin', 'old-console-password');
    await throttle(() => consoleSignIn('admin', 'wrong'));
    expect(await consoleSignIn('admin', 'old-console-password')).toBe(429);

    const { code, err } = await cliProcess(['admin', 'passwd', '--password', 'new-console-password']);
    expect({ code, err }).toEqual({ code: 0, err: '' });
    expect(await consoleSignIn('admin', 'new-console-password')).toBe(201);
  });

  it('Redis out of reach: the command is refused and the password left as it was', async () => {
    const { code, err } = await cliProcess(['agents', 'passwd', 'T1', '--password', 'never-set'], { ...env, RELAY_REDIS_URL: 'redis://127.0.0.1:1' });
    expect(code).toBe(2);
    expect(err).toContain('RELAY_REDIS_URL: cannot reach Redis');
    expect(await agentSignIn('T1', 'never-set')).toBe(401);
  });
});
