import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Redis } from 'ioredis';
import { UNKNOWN, type ServerMessage } from '../../shared/messages';
import { AgentClient, popup, signIn, startRelay, type TestRelay } from './helpers';
import { capturedLog, isCall, isHello, junkWriter } from './junk-helpers';
import { clusterServices } from './per-test';

/**
 * Junk in the keys that number and carry messages between relays, and in the sign-in throttle's,
 * written by the test into its own prefix: a call taken by one relay still reaches the browser on
 * the other, numbered right after the last (no number burnt, no resync), nothing that is not a
 * message reaches an agent, and sign-in answers as it should. The log says once what was junk.
 */
const { database, redis, ready } = await clusterServices();
const prefix = `${redis?.prefix}delivery:`;
const env = { RELAY_DATABASE_URL: database?.url ?? '', RELAY_REDIS_URL: redis?.url ?? '', RELAY_REDIS_PREFIX: prefix };
const seqOf = (m: ServerMessage) => (m.type === 'call' || m.type === 'identity' ? m.seq : 0);

describe.skipIf(!ready)('junk in the Redis keys of deliveries and sign-in', () => {
  const logA = capturedLog();
  const logB = capturedLog();
  let a: TestRelay;
  let b: TestRelay;
  let raw: Redis;
  const browsers: AgentClient[] = [];
  const unreachable = () => [...logA.said(/Redis unreachable/), ...logB.said(/Redis unreachable/)];

  beforeAll(async () => {
    // Callers known at once: no identity message follows a call, so each call's number is the next.
    a = await startRelay(env, { log: logA.log, identify: () => Promise.resolve(UNKNOWN) });
    b = await startRelay(env, { log: logB.log, identify: () => Promise.resolve(UNKNOWN) });
    raw = junkWriter(redis!.url, prefix);
  });
  afterAll(async () => {
    for (const client of browsers) client.close();
    raw?.disconnect();
    await a?.stop();
    await b?.stop();
  });

  /** The agent's browser on A; calls for it go through B. */
  async function agentOnA(extenUser: string) {
    const { id } = await a.agents.add(extenUser, extenUser, 'password-1');
    const client = await AgentClient.connect(a, await signIn(a, extenUser, 'password-1'));
    await client.next(isHello);
    browsers.push(client);
    let n = 0;
    const ring = async () => {
      const ivrid = `${extenUser}-${++n}`;
      expect((await popup(b, { ivrid, extenUser, phone: '0722776772', status: 'Ringing' })).status).toBe(200);
      return client.next(isCall(ivrid), 10_000);
    };
    return { id, client, ring };
  }

  it('seq:, out: and deliveries of another type, or not a number: the call still reaches the other relay, numbered next', async () => {
    const { id, client, ring } = await agentOnA('D1');
    let last = (await ring()).seq;
    const junk: [string, (key: string) => Promise<unknown>][] = [
      [`seq:${id}`, (key) => raw.set(key, 'not a number')],
      [`seq:${id}`, (key) => raw.set(key, '12.5')],
      [`seq:${id}`, (key) => raw.rpush(key, 'a list')],
      [`out:${id}`, (key) => raw.set(key, 'not a stream')],
      ['deliveries', (key) => raw.hset(key, 'not', 'a stream')],
    ];
    for (const [key, write] of junk) {
      await raw.del(key);
      await write(key);
      const next = await ring();
      expect(next.seq, key).toBe(last + 1);
      last = next.seq;
    }
    expect(client.invalid).toEqual([]);
    expect(client.messages.some((m) => m.type === 'resync' || (isHello(m) && m !== client.messages[0]))).toBe(false);
    // A browser that connects now is told the number it has.
    const second = await AgentClient.connect(a, await signIn(a, 'D1', 'password-1'));
    browsers.push(second);
    expect((await second.next(isHello)).seq).toBe(last);
    expect(logB.said(/in Redis .* replaced/).map((l) => l.key)).toEqual([`seq:${id}`, `seq:${id}`, `seq:${id}`, `out:${id}`, 'deliveries']);
    expect(unreachable()).toEqual([]);
  });

  it('entries in deliveries that are not messages: dropped, said once each, and nobody\'s number raised', async () => {
    const { id, client, ring } = await agentOnA('F1');
    const last = (await ring()).seq;
    await raw.xadd('deliveries', '*', 'a', String(id), 'm', '{"seq":999999,"type":"junk"}');
    await raw.xadd('deliveries', '*', 'a', String(id), 'm', JSON.stringify({ seq: 999998, type: 'call', call: { ivrid: 'forged' } }));
    await raw.xadd('deliveries', '*', 'a', String(id), 'm', '{"seq":999997,"type":"ping","time":1}');
    await raw.xadd('deliveries', '*', 'a', 'nobody', 'm', '{"seq":1,"type":"junk"}');
    await raw.xadd('deliveries', '*', 'x', 'y');
    const next = await ring();
    expect(next.seq).toBe(last + 1);
    expect(client.invalid).toEqual([]);
    expect(client.messages.filter((m) => seqOf(m) > next.seq || m.type === 'ping')).toEqual([]);
    const second = await AgentClient.connect(a, await signIn(a, 'F1', 'password-1'));
    browsers.push(second);
    expect((await second.next(isHello)).seq).toBe(next.seq);
    expect(logA.said(/a delivery in Redis that cannot be read was dropped/)).toHaveLength(5);
    expect(unreachable()).toEqual([]);
  });

  it('throttle keys of another type, or holding junk: sign-in answers 201 or 401 as it should, on both relays', async () => {
    await a.agents.add('T1', 'T1', 'password-1');
    expect((await signInStatus(a, 'T1', 'wrong-password'))).toBe(401);
    await signIn(b, 'T1', 'password-1');
    expect((await signInStatus(a, 'T1', 'wrong-password'))).toBe(401);
    const keys = await raw.keys(`${prefix}thr:*`);
    expect(keys.length).toBeGreaterThanOrEqual(4);
    for (const key of keys.map((k) => k.slice(prefix.length))) {
      const type = await raw.type(key);
      await raw.del(key);
      // Whatever it was, another type now.
      if (type === 'string') await raw.hset(key, 'f', 'junk');
      else await raw.set(key, 'junk');
    }
    for (const relay of [a, b]) {
      expect(await signInStatus(relay, 'T1', 'wrong-password')).toBe(401);
      expect(await signInStatus(relay, 'T1', 'password-1')).toBe(201);
    }
    // The right types, holding junk.
    for (const key of (await raw.keys(`${prefix}thr:*`)).map((k) => k.slice(prefix.length))) {
      const type = await raw.type(key);
      if (type === 'hash') await raw.hset(key, 'f', 'many', 'w', 'soon');
      if (type === 'string') await raw.set(key, 'later');
      if (type === 'zset') await raw.zadd(key, 1e300, 'far');
    }
    expect(await signInStatus(b, 'T1', 'wrong-password')).toBe(401);
    expect(await signInStatus(b, 'T1', 'password-1')).toBe(201);
    expect(logA.said(/sign-in throttle .* replaced/).length).toBeGreaterThan(0);
    expect([...logA.said(/^request failed/), ...logB.said(/^request failed/)]).toEqual([]);
  });

  it("an account's list of throttle keys naming other keys: a new password forgets only the account's own", async () => {
    await a.agents.add('T2', 'T2', 'password-1');
    expect(await signInStatus(a, 'T2', 'wrong-password')).toBe(401);
    const pairs = [];
    for (const key of (await raw.keys(`${prefix}thr:*`)).map((k) => k.slice(prefix.length))) {
      if ((await raw.type(key)) === 'set' && key.includes('T2')) pairs.push(key);
    }
    expect(pairs).toHaveLength(1);
    await raw.sadd(pairs[0]!, `${prefix}epoch`, `${prefix}deliveries`, 'epoch');
    await a.agents.setPassword('T2', 'password-2');
    expect(await raw.exists('epoch')).toBe(1);
    expect(await raw.type('deliveries')).toBe('stream');
    expect(await signInStatus(b, 'T2', 'password-2')).toBe(201);
  });
});

describe.skipIf(!ready)('an epoch in Redis that is not one', () => {
  it('is replaced when a relay starts, and said', async () => {
    const own = `${prefix}epoch-junk:`;
    const raw = junkWriter(redis!.url, own);
    const log = capturedLog();
    await raw.rpush('epoch', 'a list');
    const relay = await startRelay({ ...env, RELAY_REDIS_PREFIX: own }, { log: log.log });
    try {
      await relay.agents.add('P1', 'P1', 'password-1');
      const client = await AgentClient.connect(relay, await signIn(relay, 'P1', 'password-1'));
      const hello = await client.next(isHello);
      expect(hello.epoch).toBe(await raw.get('epoch'));
      expect(log.said(/in Redis .* replaced/).map((l) => l.key)).toEqual(['epoch']);
      client.close();
    } finally {
      raw.disconnect();
      await relay.stop();
    }
  });
});

async function signInStatus(relay: TestRelay, extenUser: string, password: string): Promise<number> {
  const res = await fetch(`${relay.url}/api/sessions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ extenUser, password }) });
  await res.text();
  return res.status;
}
