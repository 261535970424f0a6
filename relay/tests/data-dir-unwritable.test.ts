import { spawn } from 'node:child_process';
import { chmodSync, chownSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildRelay } from '../scripts/build-relay';
import { unprivileged, unprivilegedFolder } from './unprivileged';

/**
 * A data directory (a container's volume) the relay's user cannot write: one line saying which
 * and what to do, exit code 1 — not a stack trace at every restart of the container.
 */
const root = unprivilegedFolder('unwritable-');
// Built as the image runs it; beside the project so its packages resolve.
const compiled = join('dist', `relay-unwritable-${process.pid}`, 'main.js');
beforeAll(() => buildRelay(compiled));
afterAll(() => {
  rmSync(root, { recursive: true, force: true });
  rmSync(dirname(compiled), { recursive: true, force: true });
});

function start(dataDir: string): Promise<{ code: number | null; err: string }> {
  const run = unprivileged(process.execPath, [compiled, 'start']);
  const child = spawn(run.command, run.args, {
    env: { ...process.env, RELAY_DATA_DIR: dataDir, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'silent' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let err = '';
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  return new Promise((resolve) => child.once('close', (code) => resolve({ code, err })));
}

/** A folder the unprivileged user may not write: root's own when the test is root, else one without write permission. */
function lockedFolder(name: string): string {
  const dir = join(root, name);
  mkdirSync(dir, { mode: 0o700 });
  if (process.getuid?.() !== 0) chmodSync(dir, 0o500);
  return dir;
}

describe('a data directory the relay cannot write', () => {
  it('stops the start with one line naming the folder and the fix, exit code 1', async () => {
    const dir = lockedFolder('volume');
    const { code, err } = await start(dir);
    expect(code).toBe(1);
    expect(err.trim().split('\n')).toHaveLength(1);
    expect(err).toContain(`The data directory cannot be written by the relay's user`);
    expect(err).toContain(dir);
    expect(err).toMatch(/chown -R \d+/);
    expect(err).not.toMatch(/^\s+at /m);
  });

  it('also when the folder is its own but a file in it was left by another user', async () => {
    const dir = join(root, 'left-behind');
    mkdirSync(dir, { mode: 0o700 });
    const run = unprivileged('node', []);
    if (process.getuid?.() === 0) chownSync(dir, run.uid, run.gid);
    const db = join(dir, 'relay.db');
    writeFileSync(db, '', { mode: 0o600 });
    // As root the file stays root's; otherwise it loses its write permission.
    if (process.getuid?.() !== 0) chmodSync(db, 0o400);
    const { code, err } = await start(dir);
    expect(code).toBe(1);
    expect(err).toContain(db);
    expect(err.trim().split('\n')).toHaveLength(1);
  });

  it('a missing folder the user may make is made, and the relay starts', async () => {
    const dir = join(root, 'fresh', 'data');
    mkdirSync(dirname(dir), { mode: 0o700 });
    if (process.getuid?.() === 0) chownSync(dirname(dir), unprivileged('node', []).uid, unprivileged('node', []).gid);
    const run = unprivileged(process.execPath, [compiled, 'start']);
    const child = spawn(run.command, run.args, { env: { ...process.env, RELAY_DATA_DIR: dir, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'silent' }, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('close', resolve));
    let out = '';
    await new Promise<void>((resolve, reject) => {
      child.stdout.on('data', (d: Buffer) => {
        out += d.toString();
        if (out.includes('Voicenter pop-up URL:')) resolve();
      });
      child.once('exit', (code) => reject(new Error(`relay exited with ${code}: ${out}`)));
    });
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
  });
});
