import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { LoggedCall } from '../../shared/console';
import { Console, PASSWORD } from './console-client';
import { extensionEvent, GOOD_TOKEN, startFakeVoicenter, type FakeVoicenter } from './fake-voicenter';
import { AgentClient, eventually, signIn, startRelay, type TestRelay } from './helpers';

/** The Real-Time API's events held to the pop-up URL's ivrid rule and time window, on a real relay and the local fake of VOICENTER-REALTIME.md. */
const FAST = { keepaliveMs: 200, silenceMs: 600, reconnectMs: [50, 100], loginRetryMs: 50, loginRetryMaxMs: 400, refreshBeforeMs: 100, connectTimeoutMs: 2_000 };

let fake: FakeVoicenter;
let relay: TestRelay;
beforeEach(async () => {
  fake = await startFakeVoicenter();
  relay = await startRelay({}, { voicenter: { realtime: { token: GOOD_TOKEN, loginUrl: fake.loginUrl }, click2call: null, extensions: null }, realtimeTimings: FAST });
  await relay.admins.setPassword('admin', PASSWORD);
  await relay.agents.add('KGpK4iWq', 'Dana Cohen', 'pw-dana');
});
afterEach(async () => {
  await relay.stop();
  await fake.close();
});

describe("the Real-Time API's ivrids and times", () => {
  it('records no call whose ivrid the pop-up URL refuses ("a b/c\\n../…", 256 characters; a colon), and a year-5138 answer as the time it was heard', async () => {
    const agent = await AgentClient.connect(relay, await signIn(relay, 'KGpK4iWq', 'pw-dana'));
    await eventually(() => Promise.resolve(fake.servers[0]!.clients().length), (n) => n === 1, 'a client on the monitor');
    const monitor = fake.servers[0]!;
    const attack = `a b/c\n../${'x'.repeat(247)}`;
    expect(attack).toHaveLength(256);
    monitor.emit('ExtensionEvent', extensionEvent('NEWCALL', { ivrid: attack }));
    monitor.emit('ExtensionEvent', extensionEvent('NEWCALL', { ivrid: 'rt-1:identity' }));
    const hangup = extensionEvent('HANGUP', { ivrid: 'rt-x' }) as { ivruniqueid: string; data: { currentCall: { ivrid?: string } } };
    delete hangup.data.currentCall.ivrid;
    hangup.ivruniqueid = attack;
    monitor.emit('ExtensionEvent', hangup);
    const heard = Date.now();
    const answer = extensionEvent('ANSWER', { ivrid: 'rt-good' }) as { data: { currentCall: { callAnswered: number } } };
    answer.data.currentCall.callAnswered = 99999999999999;
    monitor.emit('ExtensionEvent', answer);
    // The others were dropped as they were read, before the good one was: once it reached the agent, nothing else can follow.
    await agent.next((m) => m.type === 'call' && m.call.ivrid === 'rt-good');
    expect(agent.messages.filter((m) => m.type === 'call').map((m) => (m as { call: { ivrid: string } }).call.ivrid)).toEqual(['rt-good']);
    const c = await Console.signIn(relay);
    const calls = (await c.call('/calls')).body as LoggedCall[];
    expect(calls.map((r) => r.ivrid)).toEqual(['rt-good']);
    expect(calls[0]!.answeredAt).toBeGreaterThanOrEqual(heard);
    expect(calls[0]!.answeredAt).toBeLessThanOrEqual(Date.now());
    expect((await c.call('/calls.csv')).status).toBe(200);
    agent.close();
  });
});
