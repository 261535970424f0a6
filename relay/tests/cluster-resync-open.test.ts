import { describe, expect, it } from 'vitest';
import type { ServerMessage } from '../../shared/messages';
import { AgentClient, popup, signIn, startRelay } from './helpers';
import { clusterServices } from './per-test';

/**
 * Several relays: a call the extension still shows ringing, over while the browser was away for
 * longer than the replay window, comes with the resync as it is now (ended) — on whichever relay
 * the browser comes back to, as on one relay (resync-open-calls.test.ts).
 */
const { database, redis, ready } = await clusterServices();
const WINDOW_MS = 300;
const isCall = (ivrid: string, state?: string) => (m: ServerMessage): m is Extract<ServerMessage, { type: 'call' }> =>
  m.type === 'call' && m.call.ivrid === ivrid && (state === undefined || m.call.state === state);

describe.skipIf(!ready)('a resync on several relays and the calls the extension still shows open', () => {
  it('past the window, on the other relay: the call that ended meanwhile comes ended; another agent\'s does not', async () => {
    const env = { RELAY_DATABASE_URL: database!.url, RELAY_REDIS_URL: redis!.url, RELAY_REDIS_PREFIX: `${redis!.prefix}open:` };
    const [a, b] = [await startRelay(env, { replayWindowMs: WINDOW_MS }), await startRelay(env, { replayWindowMs: WINDOW_MS })];
    try {
      await a.agents.add('O1', '', 'password-1');
      await a.agents.add('O2', '', 'password-2');
      const token = await signIn(a, 'O1', 'password-1');
      const first = await AgentClient.connect(a, token);
      await popup(a, { ivrid: 'open-1', extenUser: 'O1', phone: '0722776772', status: 'Ringing' });
      const seen = await first.next(isCall('open-1', 'ringing'));
      first.close();
      await first.closed();
      await popup(a, { ivrid: 'not-mine', extenUser: 'O2', phone: '0501234567', status: 'Ringing' });
      await popup(b, { ivrid: 'open-1', extenUser: 'O1', status: 'Hangup', cause: 'NO ANSWER' });
      // Until the hang-up is older than what a resync looks back over.
      await expect.poll(async () => (await b.calls.recentFor('O1', Date.now() - WINDOW_MS)).length, { timeout: 5_000, interval: 50 }).toBe(0);

      const back = await AgentClient.connect(b, token);
      await back.next((m) => m.type === 'hello');
      // Another numbering than the relays': a resync, whatever is still kept.
      back.ws.send(JSON.stringify({ type: 'resume', epoch: 'an-epoch-long-gone', seq: seen.seq, since: Date.now() - 60_000, open: ['open-1', 'not-mine', 'never-heard-of'] }));
      await back.next((m) => m.type === 'resync');
      expect((await back.next(isCall('open-1', 'ended'))).call.answeredBy).toBeNull();
      await popup(b, { ivrid: 'fence', extenUser: 'O1', phone: '0541112222', status: 'Ringing' });
      await back.next(isCall('fence'));
      expect(back.calls().map((m) => m.call.ivrid)).toEqual(['open-1', 'fence']);
      back.close();
    } finally {
      await a.stop();
      await b.stop();
    }
  });
});
