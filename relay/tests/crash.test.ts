import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { Agents } from '../accounts/agents';
import { openDatabase } from '../platform/db';
import { SqliteSql } from '../platform/sql';
import { AgentClient, signIn } from './helpers';

let child: ChildProcess | undefined;
afterEach(() => {
  child?.kill('SIGKILL');
});

/** Starts `npm run relay -- start` as its own process; resolves with its pop-up URL. */
function startRelayProcess(dataDir: string): Promise<{ child: ChildProcess; popupUrl: string; base: string }> {
  const proc = spawn(process.execPath, ['--import', 'tsx', 'relay/main.ts', 'start'], {
    env: { ...process.env, RELAY_DATA_DIR: dataDir, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'silent' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  child = proc;
  return new Promise((resolve, reject) => {
    let out = '';
    proc.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      const url = /Voicenter pop-up URL: (\S+)/.exec(out)?.[1];
      if (url) resolve({ child: proc, popupUrl: url, base: new URL(url).origin });
    });
    proc.once('exit', (code) => reject(new Error(`relay exited with ${code}: ${out}`)));
  });
}

describe('kill -9 under traffic', () => {
  it('loses nothing Voicenter was answered for, and starts again without repair', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'crash-'));
    const setup = openDatabase(dataDir);
    await new Agents(new SqliteSql(setup), 3_600_000).add('A1', '', 'pw');
    setup.close();
    const { child: relay, popupUrl, base } = await startRelayProcess(dataDir);
    const agent = await AgentClient.connect({ url: base }, await signIn({ url: base }, 'A1', 'pw'));
    const answered: string[] = [];
    let sent = 0;
    let killed = false;
    // Eight senders in parallel, until the relay dies under them.
    const sender = async () => {
      while (!killed) {
        const ivrid = `crash-${sent++}`;
        try {
          const res = await fetch(popupUrl, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ ivrid, extenUser: 'A1', phone: '0722776772', status: 'Ringing' }),
          });
          if (res.status === 200 && ((await res.json()) as { STATUS: string }).STATUS === 'OK') answered.push(ivrid);
        } catch {
          // The relay died mid-request: that request was never answered.
        }
      }
    };
    const senders = Array.from({ length: 8 }, sender);
    const exited = new Promise((resolve) => relay.once('exit', resolve));
    // Kill once a good amount of traffic was answered (an event, not a sleep).
    await new Promise<void>((resolve) => {
      const check = setInterval(() => {
        if (answered.length >= 300) {
          clearInterval(check);
          resolve();
        }
      }, 5);
    });
    relay.kill('SIGKILL');
    await exited;
    killed = true;
    await Promise.all(senders);
    expect(sent).toBeGreaterThan(answered.length);

    // The agent got every call Voicenter was answered for, each once, in sequence.
    await agent.closed();
    const delivered = agent.calls().map((m) => m.call.ivrid);
    expect(answered.filter((id) => !delivered.includes(id))).toEqual([]);
    expect(new Set(delivered).size).toBe(delivered.length);
    const seqs = agent.calls().map((m) => m.seq);
    expect(seqs).toEqual(seqs.map((_, i) => seqs[0]! + i));

    // Everything answered is in the call log on disk.
    const db = new Database(join(dataDir, 'relay.db'), { readonly: true });
    const logged = new Set((db.prepare('SELECT ivrid FROM calls').all() as { ivrid: string }[]).map((r) => r.ivrid));
    db.close();
    expect(answered.filter((id) => !logged.has(id))).toEqual([]);

    // And the relay starts again on the same data, no repair needed.
    const again = await startRelayProcess(dataDir);
    expect((await fetch(`${again.base}/healthz`)).status).toBe(200);
    const res = await fetch(`${again.popupUrl}?ivrid=after-crash&phone=0722776772&statusCall=Ringing`);
    expect(res.status).toBe(200);
  });
});
