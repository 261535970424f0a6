import { describe, expect, it } from 'vitest';
import type { CallView } from '../../shared/messages';
import { ExtensionLike } from './extension-client';
import { popup, signIn, startRelay } from './helpers';
import { clusterServices } from './per-test';
import { tcpProxy } from './tcp-proxy';

/**
 * Two relays both cut from Redis (each behind its own TCP proxy to the machine's Redis), one
 * agent with browsers on both, as the extension treats the relays' messages (ExtensionLike):
 * while Redis is away each relay numbers what it delivers in an epoch of its own, so no browser
 * takes one relay's message for the other's; when Redis is back every browser gets what the other
 * relay delivered meanwhile, and what comes next.
 */
const { database, redis, ready } = await clusterServices();

const ringing = (phone = '0722776772') => ({ extenUser: 'W1', phone, status: 'Ringing' });
const state = (ivrid: string, wanted: CallView['state']) => (shown: Map<string, CallView>) => shown.get(ivrid)?.state === wanted;
const all = (...checks: ((shown: Map<string, CallView>) => boolean)[]) => (shown: Map<string, CallView>) => checks.every((c) => c(shown));

describe.skipIf(!ready)('two relays both cut from Redis, one agent on both', () => {
  it("numbers each relay's messages in its own epoch, a browser moving between them resyncs, and every browser has every call once Redis is back", async () => {
    const target = Number(new URL(redis!.url).port || 6379);
    const proxies = [await tcpProxy('127.0.0.1', target), await tcpProxy('127.0.0.1', target)];
    const settings = (i: number) => ({ RELAY_DATABASE_URL: database!.url, RELAY_REDIS_URL: proxies[i]!.url(redis!.url), RELAY_REDIS_PREFIX: redis!.prefix, RELAY_HEARTBEAT_MS: 60_000 });
    const a = await startRelay(settings(0));
    const b = await startRelay(settings(1));
    // X stays on relay A, Y on relay B; Z starts on A and moves to B while Redis is away.
    const [x, y, z] = [new ExtensionLike(), new ExtensionLike(), new ExtensionLike()];
    try {
      await a.agents.add('W1', 'Dana', 'pw');
      const token = await signIn(a, 'W1', 'pw');
      await Promise.all([x.connect(a, token), y.connect(b, token), z.connect(a, token)]);
      await popup(a, { ivrid: 'w-0', ...ringing() });
      for (const browser of [x, y, z]) await browser.shows(state('w-0', 'ringing'), 'the call before the cut');

      for (const p of proxies) p.cut();
      expect((await popup(a, { ivrid: 'w-a', ...ringing() })).status).toBe(200);
      expect((await popup(b, { ivrid: 'w-b', ...ringing('0501234567') })).status).toBe(200);
      await x.shows(state('w-a', 'ringing'), "relay A's call on A's browser");
      await y.shows(state('w-b', 'ringing'), "relay B's call on B's browser");
      const numbered = (browser: ExtensionLike, ivrid: string) => browser.processed.find((p) => p.ivrid === ivrid)!;
      const [onA, onB] = [numbered(x, 'w-a'), numbered(y, 'w-b')];
      // Never the same (epoch, number) for two messages of one agent, whichever relay numbered them.
      expect(`${onA.epoch}/${onA.seq}`).not.toBe(`${onB.epoch}/${onB.seq}`);

      // Z moves to B: B's epoch is not the one it has numbers in, so it resyncs and shows B's call.
      await z.close();
      await z.connect(b, token);
      await z.shows(state('w-b', 'ringing'), "relay B's call on the browser that moved to B");
      await popup(b, { ivrid: 'w-b', ...ringing('0501234567'), status: 'Hangup', cause: 'Normal hangup' });
      await y.shows(state('w-b', 'ended'), "the hang-up on B's browser");
      await z.shows(state('w-b', 'ended'), 'the hang-up on the browser that moved');

      for (const p of proxies) p.restore();
      // Nothing lost: each browser gets what the other relay delivered while Redis was away (its last view).
      await x.shows(state('w-b', 'ended'), "relay B's call, ended, on A's browser");
      await y.shows(state('w-a', 'ringing'), "relay A's call on B's browser");
      await z.shows(state('w-a', 'ringing'), "relay A's call on the browser that moved");
      // And what comes next reaches every browser, through either relay.
      await popup(a, { ivrid: 'w-c', ...ringing() });
      await popup(b, { ivrid: 'w-a', ...ringing(), status: 'Hangup', cause: 'Normal hangup' });
      const everything = all(state('w-0', 'ringing'), state('w-a', 'ended'), state('w-b', 'ended'), state('w-c', 'ringing'));
      for (const browser of [x, y, z]) {
        await browser.shows(everything, 'every call as it stands');
        expect(browser.invalid).toEqual([]);
      }
    } finally {
      for (const browser of [x, y, z]) await browser.close();
      await a.stop();
      await b.stop();
      for (const p of proxies) await p.close();
    }
  });

  it('one relay cut: what it hands on when back never takes a call back to an older state the other relay moved it past', async () => {
    const target = Number(new URL(redis!.url).port || 6379);
    const proxy = await tcpProxy('127.0.0.1', target);
    const prefix = `${redis!.prefix}one:`;
    const a = await startRelay({ RELAY_DATABASE_URL: database!.url, RELAY_REDIS_URL: proxy.url(redis!.url), RELAY_REDIS_PREFIX: prefix, RELAY_HEARTBEAT_MS: 60_000 });
    const b = await startRelay({ RELAY_DATABASE_URL: database!.url, RELAY_REDIS_URL: redis!.url, RELAY_REDIS_PREFIX: prefix, RELAY_HEARTBEAT_MS: 60_000 });
    const [x, y] = [new ExtensionLike(), new ExtensionLike()];
    try {
      await a.agents.add('W2', 'Avi', 'pw');
      const token = await signIn(a, 'W2', 'pw');
      await Promise.all([x.connect(a, token), y.connect(b, token)]);
      proxy.cut();
      // The call rings through A (cut off), and its hang-up reaches B (which has Redis): A's browser rings, B's sees it end.
      await popup(a, { ivrid: 'p-1', extenUser: 'W2', phone: '0722776772', status: 'Ringing' });
      await x.shows(state('p-1', 'ringing'), "the call on A's browser");
      await popup(b, { ivrid: 'p-1', extenUser: 'W2', phone: '0722776772', status: 'Hangup', cause: 'Normal hangup' });
      await y.shows(state('p-1', 'ended'), "the hang-up on B's browser");
      // A call after it, through A, that B's browser should get once A is back.
      await popup(a, { ivrid: 'p-2', extenUser: 'W2', phone: '0501234567', status: 'Ringing' });
      await x.shows(state('p-2', 'ringing'), "the next call on A's browser");

      proxy.restore();
      await y.shows(state('p-2', 'ringing'), "A's next call on B's browser");
      await x.shows(state('p-1', 'ended'), "the hang-up on A's browser");
      // A handed on what it delivered (p-2 shows it did), but not p-1's ringing: B had news of it since (its end).
      await popup(b, { ivrid: 'p-3', extenUser: 'W2', phone: '0501234567', status: 'Ringing' });
      for (const browser of [x, y]) await browser.shows(all(state('p-1', 'ended'), state('p-2', 'ringing'), state('p-3', 'ringing')), 'every call as it stands');
      const p1 = (browser: ExtensionLike) => browser.processed.filter((p) => p.ivrid === 'p-1' && p.state).map((p) => p.state);
      expect(p1(y)).not.toContain('ringing');
      expect(p1(x).slice(p1(x).indexOf('ended'))).not.toContain('ringing');
    } finally {
      for (const browser of [x, y]) await browser.close();
      await a.stop();
      await b.stop();
      await proxy.close();
    }
  });
});
