import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ServerMessage } from '../../shared/messages';
import { AgentClient, eventually, popup, signIn, startRelay } from './helpers';
import { clusterServices } from './per-test';
import { tcpProxy } from './tcp-proxy';

/**
 * A relay of several whose Redis or PostgreSQL goes away: cut with a TCP proxy in front of the
 * machine's real servers (never by stopping them). Voicenter is answered all along, the agents
 * it holds still get their calls, it says it is not ready, and it catches up when they are back.
 */
const { database, redis, ready } = await clusterServices();

const isCall = (ivrid: string) => (m: ServerMessage): m is Extract<ServerMessage, { type: 'call' }> => m.type === 'call' && m.call.ivrid === ivrid;

const readyz = async (url: string) => {
  const res = await fetch(`${url}/readyz`);
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
};

/** `npm run relay -- start` as a process of its own, on these settings; resolves once it listens. */
function startProcess(env: Record<string, string>): Promise<{ child: ChildProcess; base: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'relay/main.ts', 'start'], {
    env: { ...process.env, RELAY_DATA_DIR: mkdtempSync(join(tmpdir(), 'cluster-proc-')), PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'silent', ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      const url = /Voicenter pop-up URL: (\S+)/.exec(out)?.[1];
      if (url) resolve({ child, base: new URL(url).origin });
    });
    child.once('exit', (code) => reject(new Error(`relay exited with ${code}: ${out}`)));
  });
}

describe.skipIf(!ready)('a relay of several killed with kill -9', () => {
  it('its agents reconnect to another relay and lose nothing: what came meanwhile is replayed', async () => {
    const env = { RELAY_DATABASE_URL: database!.url, RELAY_REDIS_URL: redis!.url, RELAY_REDIS_PREFIX: `${redis!.prefix}k:` };
    const other = await startRelay(env);
    const doomed = await startProcess(env);
    try {
      await other.agents.add('K1', 'Dana', 'pw');
      const token = await signIn(other, 'K1', 'pw');
      const first = await AgentClient.connect({ url: doomed.base }, token);
      const hello = await first.next((m): m is Extract<ServerMessage, { type: 'hello' }> => m.type === 'hello');
      await popup({ popupUrl: `${doomed.base}/voicenter/${other.token}` }, { ivrid: 'k-1', extenUser: 'K1', phone: '0722776772', status: 'Ringing' });
      const before = await first.next(isCall('k-1'));
      doomed.child.kill('SIGKILL');
      await first.closed();
      // Calls keep coming through the relay that is left while the browser finds it.
      await popup(other, { ivrid: 'k-2', extenUser: 'K1', phone: '0722776772', status: 'Ringing' });
      await popup(other, { ivrid: 'k-1', extenUser: 'K1', phone: '0722776772', status: 'Hangup', cause: 'Normal hangup' });
      const again = await AgentClient.connect(other, token);
      const back = await again.next((m): m is Extract<ServerMessage, { type: 'hello' }> => m.type === 'hello');
      expect(back.epoch).toBe(hello.epoch);
      again.ws.send(JSON.stringify({ type: 'resume', epoch: back.epoch, seq: before.seq, since: Date.now() - 5_000 }));
      await again.next(isCall('k-2'));
      const ended = await again.next((m): m is Extract<ServerMessage, { type: 'call' }> => m.type === 'call' && m.call.ivrid === 'k-1' && m.call.state === 'ended');
      expect(ended.seq).toBeGreaterThan(before.seq);
      expect(again.messages.some((m) => m.type === 'resync')).toBe(false);
      again.close();
    } finally {
      doomed.child.kill('SIGKILL');
      await other.stop();
    }
  });
});

describe.skipIf(!ready)('a relay of several, its servers cut off', () => {
  it('Redis away: Voicenter answered, its own agents still pop (in an epoch of its own), not ready; back in the shared numbering when Redis is back', async () => {
    const proxy = await tcpProxy('127.0.0.1', Number(new URL(redis!.url).port || 6379));
    const relay = await startRelay({ RELAY_DATABASE_URL: database!.url, RELAY_REDIS_URL: proxy.url(redis!.url), RELAY_REDIS_PREFIX: `${redis!.prefix}r:` });
    try {
      await relay.agents.add('R1', 'Dana', 'pw');
      const agent = await AgentClient.connect(relay, await signIn(relay, 'R1', 'pw'));
      const hellos = () => agent.messages.filter((m): m is Extract<ServerMessage, { type: 'hello' }> => m.type === 'hello');
      await popup(relay, { ivrid: 'r-0', extenUser: 'R1', phone: '0722776772', status: 'Ringing' });
      await agent.next(isCall('r-0'));
      const last = Math.max(...agent.messages.map((m) => (m.type === 'call' || m.type === 'identity' ? m.seq : 0)));
      expect(await readyz(relay.url)).toMatchObject({ status: 200, body: { status: 'ready', postgresql: true, redis: true } });

      proxy.cut();
      const answered = await popup(relay, { ivrid: 'r-1', extenUser: 'R1', phone: '0722776772', status: 'Ringing' });
      expect(answered.status).toBe(200);
      const during = await agent.next(isCall('r-1'));
      expect(during.seq).toBeGreaterThan(last);
      // Told first (a hello): numbered in this relay's own epoch, which no other relay's numbers share.
      const [shared, own] = hellos();
      expect(own!.epoch).not.toBe(shared!.epoch);
      expect(agent.messages.indexOf(own!)).toBeLessThan(agent.messages.indexOf(during));
      expect(await readyz(relay.url)).toMatchObject({ status: 503, body: { status: 'not ready', redis: false } });

      proxy.restore();
      await eventually(() => readyz(relay.url), (r) => r.status === 200, 'ready again');
      const afterBack = () => {
        const back = hellos()[2];
        return back ? agent.messages.slice(agent.messages.indexOf(back)).filter((m): m is Extract<ServerMessage, { type: 'call' }> => m.type === 'call' && m.call.ivrid.startsWith('r-2-')) : [];
      };
      await eventually(
        async () => {
          await popup(relay, { ivrid: `r-2-${Date.now()}`, extenUser: 'R1', phone: '0722776772', status: 'Ringing' });
          return afterBack();
        },
        (after) => after.length > 0,
        'a call through Redis again',
      );
      // Told the shared epoch again, and numbered after that hello's number: never one the browser already has in it.
      const back = hellos()[2]!;
      expect(back.epoch).toBe(shared!.epoch);
      expect(afterBack()[0]!.seq).toBeGreaterThan(back.seq);
      agent.close();
    } finally {
      await relay.stop();
      await proxy.close();
    }
  });

  it('PostgreSQL away: Voicenter answered, the agent pops, the call log kept and written when it is back', async () => {
    const target = new URL(database!.url);
    const proxy = await tcpProxy(target.hostname, Number(target.port || 5432));
    const relay = await startRelay({ RELAY_DATABASE_URL: proxy.url(database!.url), RELAY_REDIS_URL: redis!.url, RELAY_REDIS_PREFIX: `${redis!.prefix}p:` });
    try {
      await relay.agents.add('P1', 'Avi', 'pw');
      const agent = await AgentClient.connect(relay, await signIn(relay, 'P1', 'pw'));
      await popup(relay, { ivrid: 'p-0', extenUser: 'P1', phone: '0722776772', status: 'Ringing' });
      await agent.next(isCall('p-0'));

      proxy.cut();
      const answered = await popup(relay, { ivrid: 'p-1', extenUser: 'P1', phone: '0501234567', status: 'Ringing' });
      expect(answered.status).toBe(200);
      await agent.next(isCall('p-1'));
      expect(await readyz(relay.url)).toMatchObject({ status: 503, body: { postgresql: false, redis: true } });
      const metrics = await (await fetch(`${relay.url}/metrics`)).text();
      expect(Number(/^screenpop_call_log_pending (\d+)/m.exec(metrics)?.[1])).toBeGreaterThanOrEqual(1);

      proxy.restore();
      const logged = await eventually(
        () => relay.sql.all<{ ivrid: string }>("SELECT ivrid FROM calls WHERE ivrid LIKE 'p-%' ORDER BY ivrid").catch(() => []),
        (rows) => rows.length === 2,
        'the kept call written',
      );
      expect(logged).toEqual([{ ivrid: 'p-0' }, { ivrid: 'p-1' }]);
      agent.close();
    } finally {
      await relay.stop();
      await proxy.close();
    }
  });
});
