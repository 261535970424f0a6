import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ServerMessage } from '../../shared/messages';
import { Agents } from '../accounts/agents';
import { openStore } from '../platform/store';
import { extensionEvent, GOOD_TOKEN, startFakeVoicenter, type FakeVoicenter } from './fake-voicenter';
import { AgentClient, eventually, signIn, startRelay } from './helpers';
import { startProcess } from './relay-process';
import { clusterServices } from './per-test';
import { tcpProxy } from './tcp-proxy';

/**
 * Several relays configured with Voicenter's Real-Time API: one connection per account, held by
 * whichever relay holds its lease in Redis, against one stand-in Real-Time server.
 */
const { database, redis, ready } = await clusterServices();
let fake: FakeVoicenter;
let configFile: string;
let plain: Redis;

beforeAll(async () => {
  if (!ready) return;
  fake = await startFakeVoicenter({ monitors: 1 });
  const dir = mkdtempSync(join(tmpdir(), 'cluster-realtime-'));
  configFile = join(dir, 'relay.yaml');
  writeFileSync(configFile, `voicenter:\n  realtime:\n    token: \${VC_REALTIME_TOKEN}\n    loginUrl: ${fake.loginUrl}\n`);
  // The agent every call goes to (the stand-in's events name this extension user).
  const store = await openStore({ RELAY_DATA_DIR: '', RELAY_DATABASE_URL: database!.url });
  await new Agents(store.sql, 3_600_000).add('KGpK4iWq', 'Dana', 'pw-dana');
  await store.close();
  plain = new Redis(redis!.url);
});
afterAll(async () => {
  plain?.disconnect();
  await fake?.close();
});

const logins = () => fake.requests.filter((r) => r.path === '/monitorAPI/Login/Token').length;
const connected = () => fake.servers[0]!.clients().map((c) => c.token);

/** The lease's key under `prefix`, and the process id its holder wrote into it (host:pid:random). */
async function lease(prefix: string): Promise<{ key: string; pid: number | null }> {
  const keys = await plain.keys(`${prefix}realtime:*`);
  expect(keys).toHaveLength(1);
  const value = await plain.get(keys[0]!);
  return { key: keys[0]!, pid: value ? Number(value.split(':')[1]) : null };
}

describe.skipIf(!ready)("Voicenter's Real-Time API with several relays", () => {
  it('one relay of two connects; killed with kill -9, the other connects within seconds and the calls reach the agent through it', async () => {
    const prefix = `${redis!.prefix}kill:`;
    const env = { RELAY_DATABASE_URL: database!.url, RELAY_REDIS_URL: redis!.url, RELAY_REDIS_PREFIX: prefix, RELAY_CONFIG: configFile, VC_REALTIME_TOKEN: GOOD_TOKEN };
    const relays = [await startProcess(env), await startProcess(env)];
    try {
      // Each relay claims the lease before it listens: by now one holds it, the other waits.
      await eventually(() => Promise.resolve(connected()), (c) => c.length === 1, 'one relay connected');
      expect(logins()).toBe(1);
      const { pid } = await lease(prefix);
      const holder = relays.find((r) => r.child.pid === pid);
      const other = relays.find((r) => r.child.pid !== pid)!;
      if (!holder) throw new Error(`the lease names process ${pid}, neither relay`);

      holder.child.kill('SIGKILL');
      await holder.exited();
      const killedAt = Date.now();
      await eventually(
        () => Promise.resolve({ logins: logins(), connected: connected() }),
        (s) => s.logins === 2 && s.connected.length === 1 && s.connected[0] === fake.socketTokens[1],
        'the other relay connected',
        20_000,
      );
      expect(Date.now() - killedAt).toBeLessThan(10_000);
      expect((await lease(prefix)).pid).toBe(other.child.pid);

      const agent = await AgentClient.connect({ url: other.base }, await signIn({ url: other.base }, 'KGpK4iWq', 'pw-dana'));
      await agent.next((m) => m.type === 'hello');
      fake.servers[0]!.emit('ExtensionEvent', extensionEvent('NEWCALL', { ivrid: 'lease-1' }));
      const rang = await agent.next((m): m is Extract<ServerMessage, { type: 'call' }> => m.type === 'call' && m.call.ivrid === 'lease-1');
      expect(rang.call.state).toBe('ringing');
      agent.close();
    } finally {
      for (const r of relays) r.child.kill('SIGKILL');
      await Promise.all(relays.map((r) => r.exited()));
    }
  });

  it('Redis away from both: the holder keeps its connection and the other never connects; the holder holds the lease again when Redis is back', async () => {
    const prefix = `${redis!.prefix}away:`;
    const voicenter = { realtime: { token: GOOD_TOKEN, loginUrl: fake.loginUrl }, click2call: null, extensions: null };
    const target = Number(new URL(redis!.url).port || 6379);
    const proxies = [await tcpProxy('127.0.0.1', target), await tcpProxy('127.0.0.1', target)];
    const settings = (i: number) => ({ RELAY_DATABASE_URL: database!.url, RELAY_REDIS_URL: proxies[i]!.url(redis!.url), RELAY_REDIS_PREFIX: prefix });
    const before = logins();
    const a = await startRelay(settings(0), { voicenter });
    const b = await startRelay(settings(1), { voicenter });
    try {
      await eventually(() => Promise.resolve(a.realtime!.status().state), (s) => s === 'connected', 'the first relay connected');
      const socket = connected().at(-1)!;
      expect(connected()).toEqual([socket]);
      expect(b.realtime!.status().state).toBe('stopped');
      const { key } = await lease(prefix);

      for (const p of proxies) p.cut();
      // Nobody can renew it: the lease lapses in Redis.
      await eventually(() => plain.exists(key), (n) => n === 0, 'the lease lapsed', 15_000);
      expect(connected()).toEqual([socket]);
      expect(a.realtime!.status().state).toBe('connected');
      expect(b.realtime!.status().state).toBe('stopped');

      // The holder's way back first (had the other's come first, it would have taken the lease and the holder handed over).
      proxies[0]!.restore();
      await eventually(() => plain.get(key), (v) => v !== null, 'the lease held again');
      proxies[1]!.restore();
      await eventually(async () => (await fetch(`${b.url}/readyz`)).json() as Promise<{ redis?: boolean }>, (r) => r.redis === true, 'the other relay reaches Redis');
      expect(connected()).toEqual([socket]);
      expect(logins()).toBe(before + 1);
      expect(b.realtime!.status().state).toBe('stopped');
    } finally {
      await a.stop();
      await b.stop();
      for (const p of proxies) await p.close();
    }
  });
});
