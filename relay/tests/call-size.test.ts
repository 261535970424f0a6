import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { CALL_LIMITS } from '../calls/call-state';
import { Console, PASSWORD } from './console-client';
import { extensionEvent, startFakeVoicenter, type FakeVoicenter } from './fake-voicenter';
import { AgentClient, popup, signIn, startRelay, type TestRelay } from './helpers';

/**
 * One call with thousands of stations: Voicenter's requests (or the Real-Time API's events) for
 * one ivrid, each naming another extension user. The call takes CALL_LIMITS.stations; what would
 * add more is refused with a 4xx and a CODE, logged once; the call, other calls and the console
 * go on as usual.
 */
const FLOOD = 2_500;
/** The note's waits, shortened to connect at once, but never so short that a busy event loop reads as a silent server. */
const TIMINGS = { keepaliveMs: 30_000, silenceMs: 60_000, reconnectMs: [50, 100], loginRetryMs: 50, loginRetryMaxMs: 400, refreshBeforeMs: 100, connectTimeoutMs: 10_000 };

let relay: TestRelay | undefined;
let fake: FakeVoicenter | undefined;
afterEach(async () => {
  await relay?.stop();
  relay = undefined;
  await fake?.close();
  fake = undefined;
});

/** The relay's warnings and errors, as JSON lines. */
function logLines(): { lines: { msg: string; code?: string; ivrid?: string; limit?: string }[]; log: pino.Logger } {
  const lines: { msg: string }[] = [];
  return { lines, log: pino({ level: 'warn' }, { write: (line: string) => void lines.push(JSON.parse(line) as { msg: string }) }) };
}
const refusals = (lines: { msg: string }[]) => lines.filter((l) => l.msg.includes('CALL_TOO_LARGE'));

describe('one call flooded with stations', () => {
  it(`pop-up requests: ${FLOOD} extension users on one ivrid — ${CALL_LIMITS.stations} taken, the rest a 422 CALL_TOO_LARGE in the pop-up URL's error shape, logged once`, async () => {
    const { lines, log } = logLines();
    relay = await startRelay({}, { log });
    await relay.agents.add('in-0', 'First', 'pw-first');
    await relay.agents.add(`in-${FLOOD - 1}`, 'Too late', 'pw-late');
    const first = await AgentClient.connect(relay, await signIn(relay, 'in-0', 'pw-first'));
    const late = await AgentClient.connect(relay, await signIn(relay, `in-${FLOOD - 1}`, 'pw-late'));
    const ring = (i: number) => popup(relay!, { ivrid: 'flood-1', extenUser: `in-${i}`, phone: '0501234567', status: 'Ringing', direction: 'Incoming' });
    try {
      for (let i = 0; i < FLOOD; i++) {
        const answer = await ring(i);
        if (i < CALL_LIMITS.stations) {
          expect(answer.status).toBe(200);
          expect(answer.body.STATUS).toBe('OK');
        } else {
          // Voicenter reads anything but STATUS "OK" as the client's error; the relay never answers it 5xx.
          expect({ status: answer.status, type: answer.headers.get('content-type') }).toEqual({ status: 422, type: 'application/json; charset=utf-8' });
          expect(answer.body).toEqual({ STATUS: 'ERROR', CODE: 'CALL_TOO_LARGE', ERROR: expect.stringContaining(`${CALL_LIMITS.stations} stations`) });
        }
      }
      expect(refusals(lines)).toHaveLength(1);
      expect(refusals(lines)[0]).toMatchObject({ ivrid: 'flood-1', limit: 'stations' });
      expect(await relay.calls.stations('flood-1')).toHaveLength(CALL_LIMITS.stations);

      // The call goes on: a station it has answers, the others are told, it ends.
      expect((await popup(relay, { ivrid: 'flood-1', extenUser: 'in-0', phone: '0501234567', status: 'Talking', direction: 'Incoming' })).status).toBe(200);
      await first.next((m) => m.type === 'call' && m.call.ivrid === 'flood-1' && m.call.state === 'talking');
      expect((await popup(relay, { ivrid: 'flood-1', extenUser: 'in-0', phone: '0501234567', status: 'Hangup', direction: 'Incoming', cause: 'NORMAL' })).status).toBe(200);
      await first.next((m) => m.type === 'call' && m.call.ivrid === 'flood-1' && m.call.state === 'ended');
      // Another call is answered as ever, for the agent the flood's call was refused for too.
      expect((await popup(relay, { ivrid: 'normal-1', extenUser: `in-${FLOOD - 1}`, phone: '0501234567', status: 'Ringing', direction: 'Incoming' })).body.STATUS).toBe('OK');
      await late.next((m) => m.type === 'call' && m.call.ivrid === 'normal-1');
      if (late.calls('flood-1').length > 0) throw new Error('a station beyond the limit was told of the call');
      // The console's line about the last request names the refusal by its code.
      await ring(FLOOD);
      await relay.admins.setPassword('admin', PASSWORD);
      const c = await Console.signIn(relay);
      expect((await c.call('/floor')).body.voicenter).toMatchObject({ status: 422, code: 'CALL_TOO_LARGE' });
      expect(refusals(lines)).toHaveLength(1);
    } finally {
      first.close();
      late.close();
    }
  }, 120_000);

  it(`Real-Time events: ${FLOOD} extension users on one ivrid hit the same limit, logged once`, async () => {
    fake = await startFakeVoicenter();
    const { lines, log } = logLines();
    relay = await startRelay({}, { log, voicenter: { realtime: { token: 'account-api-token', loginUrl: fake.loginUrl }, click2call: null, extensions: null }, realtimeTimings: TIMINGS });
    await relay.agents.add('rt-0', 'Dana Cohen', 'pw-dana');
    const agent = await AgentClient.connect(relay, await signIn(relay, 'rt-0', 'pw-dana'));
    const monitor = fake.servers[0]!;
    const deadline = Date.now() + 15_000;
    while (monitor.clients().length === 0) {
      if (Date.now() > deadline) throw new Error('the relay never connected to the Real-Time API');
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    try {
      for (let i = 0; i < FLOOD; i++) monitor.emit('ExtensionEvent', extensionEvent('NEWCALL', { ivrid: 'rt-flood', extenUser: `rt-${i}` }));
      // Events are handled in the order they come: once the answer after them is delivered, all were.
      monitor.emit('ExtensionEvent', extensionEvent('ANSWER', { ivrid: 'rt-flood', extenUser: 'rt-0' }));
      await agent.next((m) => m.type === 'call' && m.call.ivrid === 'rt-flood' && m.call.state === 'talking', 60_000);
      expect(await relay.calls.stations('rt-flood')).toHaveLength(CALL_LIMITS.stations);
      expect(refusals(lines)).toHaveLength(1);
      expect(refusals(lines)[0]).toMatchObject({ ivrid: 'rt-flood', limit: 'stations' });
      expect(lines.filter((l) => l.msg.includes('not handled'))).toEqual([]);
    } finally {
      agent.close();
    }
  }, 90_000);

  it("the console's Live stream sends what changed: a call at its limit is not sent again for every other call's change", async () => {
    relay = await startRelay();
    await relay.admins.setPassword('admin', PASSWORD);
    const events = await (await Console.signIn(relay)).floorEvents();
    try {
      await events.next(() => true);
      for (let i = 0; i < CALL_LIMITS.stations; i++) await popup(relay, { ivrid: 'big', extenUser: `s-${i}`, phone: '0501234567', status: 'Ringing' });
      await events.next((f) => f.calls.some((c) => c.ivrid === 'big' && c.stations.length === CALL_LIMITS.stations));
      const before = events.bytes();
      for (let i = 0; i < 20; i++) {
        await popup(relay, { ivrid: `small-${i}`, extenUser: 'A1', phone: '0507654321', status: 'Ringing' });
        await events.next((f) => f.calls.some((c) => c.ivrid === `small-${i}`));
        await popup(relay, { ivrid: `small-${i}`, extenUser: 'A1', phone: '0507654321', status: 'Hangup', cause: 'NO ANSWER' });
        const now = await events.next((f) => !f.calls.some((c) => c.ivrid === `small-${i}`));
        expect(now.calls.find((c) => c.ivrid === 'big')?.stations).toHaveLength(CALL_LIMITS.stations);
      }
      // Forty changes of small calls; the whole floor each time was over 20 KB of the big call each.
      expect(events.bytes() - before).toBeLessThan(100_000);
    } finally {
      events.close();
    }
  }, 120_000);
});
