import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Redis } from 'ioredis';
import { Console, PASSWORD } from './console-client';
import { AgentClient, popup, signIn, startRelay, type TestRelay } from './helpers';
import { capturedLog, isCall, junkWriter } from './junk-helpers';
import { clusterServices } from './per-test';
import { startProcess } from './relay-process';

/**
 * Junk in the relays' Redis keys — written by the test into its own prefix, as a bug, another
 * program or a hand at redis-cli might leave it — costs only itself: the relay lives, other calls
 * (and that call) still reach the browsers on both relays, the console's Live page answers, the
 * stale-call chore goes on for every other call, and the log says once what was junk.
 */
const { database, redis, ready } = await clusterServices();
const prefix = `${redis?.prefix}calls:`;
const env = { RELAY_DATABASE_URL: database?.url ?? '', RELAY_REDIS_URL: redis?.url ?? '', RELAY_REDIS_PREFIX: prefix };

describe.skipIf(!ready)('junk in the Redis keys of calls', () => {
  const logA = capturedLog();
  const logB = capturedLog();
  let a: TestRelay;
  let b: TestRelay;
  let raw: Redis;
  const browsers: AgentClient[] = [];
  /** A browser signed in as `extenUser` on that relay. */
  const browser = async (relay: TestRelay, extenUser: string) => {
    await a.agents.add(extenUser, extenUser, 'password-1');
    const client = await AgentClient.connect(relay, await signIn(relay, extenUser, 'password-1'));
    await client.next((m) => m.type === 'hello');
    browsers.push(client);
    return client;
  };
  const floor = async (relay: TestRelay) => {
    const answer = await (await Console.signIn(relay)).call('/floor');
    return { status: answer.status, ivrids: ((answer.body?.calls ?? []) as { ivrid: string }[]).map((c) => c.ivrid) };
  };
  const unreachable = () => [...logA.said(/Redis unreachable/), ...logB.said(/Redis unreachable/)];

  beforeAll(async () => {
    a = await startRelay(env, { log: logA.log });
    b = await startRelay(env, { log: logB.log });
    await a.admins.setPassword('admin', PASSWORD);
    raw = junkWriter(redis!.url, prefix);
  });
  afterAll(async () => {
    for (const client of browsers) client.close();
    raw?.disconnect();
    await a?.stop();
    await b?.stop();
  });

  it("an unreadable caller identity: the relay that takes the call's next request lives, and both answer it", async () => {
    const doomed = await startProcess(env);
    try {
      const onProcess = await browser({ url: doomed.base } as TestRelay, 'I1');
      const onB = await browser(b, 'I2');
      const onProcessPopup = { popupUrl: `${doomed.base}/voicenter/${b.token}` };
      await raw.set('call:i-1:identity', '{not json');
      expect((await popup(onProcessPopup, { ivrid: 'i-1', extenUser: 'I1', phone: '0722776772', status: 'Ringing' })).status).toBe(200);
      await onProcess.next(isCall('i-1', 'ringing'));
      // JSON, but not an identity: read as none, and looked up again.
      await raw.set('call:i-1:identity', JSON.stringify({ status: 'found', name: 42 }));
      expect((await popup(b, { ivrid: 'i-1', extenUser: 'I2', phone: '0722776772', status: 'Ringing' })).status).toBe(200);
      await onB.next(isCall('i-1', 'ringing'));
      await raw.set('call:i-1:identity', '[]');
      expect((await popup(onProcessPopup, { ivrid: 'i-1', extenUser: 'I1', status: 'Hangup', cause: 'NO ANSWER' })).status).toBe(200);
      await onProcess.next(isCall('i-1', 'ended'));
      // The process lives, and other calls still reach both relays' browsers.
      expect(doomed.child.exitCode).toBeNull();
      await popup(onProcessPopup, { ivrid: 'i-2', extenUser: 'I2', phone: '0501234567', status: 'Ringing' });
      await onB.next(isCall('i-2', 'ringing'));
      const metrics = await (await fetch(`${doomed.base}/metrics`)).text();
      expect(metrics).toMatch(/^# TYPE screenpop_unhandled_rejections_total counter$/m);
      expect(metrics).not.toMatch(/^screenpop_unhandled_rejections_total\{/m);
      expect(logB.said(/caller identity .*cannot be read/).map((l) => l.ivrid)).toEqual(['i-1']);
      expect(unreachable()).toEqual([]);
    } finally {
      doomed.child.kill('SIGKILL');
      await doomed.exited();
    }
  });

  it('junk entries in a call\'s list: left out, the call worked out from the rest on the other relay', async () => {
    const onA = await browser(a, 'E1');
    const onB = await browser(b, 'E2');
    await popup(a, { ivrid: 'e-1', extenUser: 'E1', phone: '0722776772', status: 'Ringing' });
    await popup(a, { ivrid: 'e-1', extenUser: 'E2', phone: '0722776772', status: 'Ringing' });
    await onB.next(isCall('e-1', 'ringing'));
    const otherCall = { t: 'r', event: { ivrid: 'not-e-1', extenUser: 'E2', phase: 'hangup', status: 'Hangup', direction: 'incoming', phone: '', callerName: '', originalCallerName: '', originalCallerId: '', did: '', cause: 'x', callStarted: null, callAnswered: null }, phone: { raw: '', e164: null, digits: '', local: '', withheld: true }, format: 'json', now: Date.now() };
    await raw.rpush('call:e-1', 'not json', '{"t":"r"}', '{"t":"r","event":{"ivrid":"e-1"},"phone":null}', '{"t":"x","stations":"E2","now":1}', 'null', '7', JSON.stringify(otherCall));
    // Answered at E1 through the other relay: E2 hears another station took it (B read her ringing from the list).
    expect((await popup(b, { ivrid: 'e-1', extenUser: 'E1', status: 'Talking' })).status).toBe(200);
    expect((await onB.next(isCall('e-1', 'ended'))).call.answeredBy).toBe('other');
    await onA.next(isCall('e-1', 'talking'));
    expect((await floor(b)).ivrids).toContain('e-1');
    // Said once, however often the list is read again.
    expect((await floor(a)).status).toBe(200);
    expect(logB.said(/entries of a call in Redis that cannot be read/).map((l) => [l.ivrid, l.junk])).toEqual([['e-1', 7]]);
    expect(unreachable()).toEqual([]);
  });

  it('a call key of another type: replaced by the call as it goes on, on every relay', async () => {
    const onB = await browser(b, 'W1');
    await raw.set('call:w-1', 'a string, not a list');
    await raw.hset('station:W1', 'not', 'a sorted set');
    expect((await popup(a, { ivrid: 'w-1', extenUser: 'W1', phone: '0722776772', status: 'Ringing' })).status).toBe(200);
    await onB.next(isCall('w-1', 'ringing'));
    expect((await floor(b)).ivrids).toContain('w-1');
    expect(await b.calls.recentFor('W1', Date.now() - 60_000)).toMatchObject([{ ivrid: 'w-1', state: 'ringing' }]);
    expect(logA.said(/not a list/).map((l) => l.key)).toEqual(['call:w-1']);
    expect(unreachable()).toEqual([]);
  });

  it('no ivrid names another call\'s key: V:identity is a call of its own, or refused', async () => {
    const onB = await browser(b, 'V1');
    const colliding = await popup(a, { ivrid: 'v-1:identity', extenUser: 'V1', phone: '0722776772', status: 'Ringing' });
    await popup(a, { ivrid: 'v-1', extenUser: 'V1', phone: '0501234567', status: 'Ringing' });
    await onB.next(isCall('v-1', 'ringing'));
    await popup(b, { ivrid: 'v-1', extenUser: 'V1', status: 'Hangup', cause: 'NO ANSWER' });
    await onB.next(isCall('v-1', 'ended'));
    if (colliding.status === 400) return;
    // Its list was never overwritten by v-1's caller: it rings on, on both floors.
    expect(colliding.status).toBe(200);
    expect((await floor(b)).ivrids).toContain('v-1:identity');
    expect((await floor(a)).ivrids).toContain('v-1:identity');
    await popup(b, { ivrid: 'v-1:identity', extenUser: 'V1', status: 'Hangup', cause: 'NO ANSWER' });
    await onB.next(isCall('v-1:identity', 'ended'));
    expect(unreachable()).toEqual([]);
  });

  it("junk in calls:open and a call with an unreadable caller: the Live page answers on both relays, the stale chore ends the others", async () => {
    const onA = await browser(a, 'O1');
    const onB = await browser(b, 'O2');
    const rang = Date.now();
    await popup(a, { ivrid: 'o-1', extenUser: 'O1', phone: '0722776772', status: 'Ringing' });
    await popup(b, { ivrid: 'o-2', extenUser: 'O2', phone: '0501234567', status: 'Ringing' });
    await onA.next(isCall('o-1', 'ringing'));
    await onB.next(isCall('o-2', 'ringing'));
    await raw.set('call:o-2:identity', 'junk');
    await raw.zadd('calls:open', rang, 'no-such-call', rang, 'o-1:identity', rang, 'x'.repeat(5_000), rang, '');
    for (const relay of [a, b]) {
      const now = await floor(relay);
      expect(now.status).toBe(200);
      expect(now.ivrids).toEqual(expect.arrayContaining(['o-1', 'o-2']));
    }
    const limits = { ringingMs: 60_000, talkingMs: 3_600_000 };
    // Every call still open ends (other tests' too): o-2 with its caller unreadable, and the one after it.
    expect(await a.flow.expireStale(rang + 120_000, limits)).toBeGreaterThanOrEqual(2);
    await onA.next(isCall('o-1', 'ended'));
    await onB.next(isCall('o-2', 'ended'));
    expect((await floor(b)).ivrids).not.toEqual(expect.arrayContaining(['o-1']));
    expect((await floor(b)).ivrids).not.toEqual(expect.arrayContaining(['o-2']));
    expect(unreachable()).toEqual([]);
  });

  it('calls:open of another type: said as such, replaced, and the next call is on both floors', async () => {
    const onA = await browser(a, 'O3');
    await raw.del('calls:open');
    await raw.rpush('calls:open', 'a list, not a sorted set');
    expect((await floor(b)).status).toBe(200);
    await popup(a, { ivrid: 'o-3', extenUser: 'O3', phone: '0722776772', status: 'Ringing' });
    await onA.next(isCall('o-3', 'ringing'));
    expect((await floor(b)).ivrids).toEqual(['o-3']);
    expect(logB.said(/not a sorted set/).map((l) => l.key)).toEqual(['calls:open']);
    expect(unreachable()).toEqual([]);
  });
});
