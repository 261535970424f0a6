import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ServerMessage } from '../../shared/messages';
import { CallLogSearch } from '../calls/call-log-search';
import { NO_HANGUP } from '../calls/call-state';
import { AgentClient, popup, signIn, startRelay, type TestRelay } from './helpers';

let relay: TestRelay;
let agent: AgentClient;
const LIMITS = { ringingMs: 10 * 60_000, talkingMs: 4 * 3_600_000 };
const ended = (ivrid: string) => (m: ServerMessage) => m.type === 'call' && m.call.ivrid === ivrid && m.call.state === 'ended';

beforeEach(async () => {
  relay = await startRelay();
  await relay.agents.add('A1', 'Dana', 'pw');
  await relay.agents.add('A2', 'Avi', 'pw2');
  agent = await AgentClient.connect(relay, await signIn(relay, 'A1', 'pw'));
});

afterEach(async () => {
  agent.close();
  await relay.stop();
});

describe('a call whose hang-up never came', () => {
  it('ends as missed with "no hang-up received" once it has rung with no news for the ringing limit', async () => {
    await popup(relay, { ivrid: 'lost-1', extenUser: 'A1', phone: '0501234567', status: 'Ringing', direction: 'Incoming' });
    await agent.next((m) => m.type === 'call' && m.call.ivrid === 'lost-1');
    const now = Date.now();
    // Not yet: nine minutes of silence is a long queue ring, not a lost request.
    expect(await relay.flow.expireStale(now + 9 * 60_000, LIMITS)).toBe(0);
    expect(await relay.flow.expireStale(now + 11 * 60_000, LIMITS)).toBe(1);
    const view = await agent.next(ended('lost-1'));
    expect(view).toMatchObject({ call: { state: 'ended', answeredBy: null, cause: NO_HANGUP } });
    const logged = (await new CallLogSearch(relay.sql, () => Promise.resolve()).find({})).find((c) => c.ivrid === 'lost-1');
    expect(logged).toMatchObject({ outcome: 'missed' });
    // Once ended, it is not ended again.
    expect(await relay.flow.expireStale(now + 20 * 60_000, LIMITS)).toBe(0);
  });

  it('leaves a talking call alone for hours, then ends it as answered', async () => {
    await popup(relay, { ivrid: 'long-1', extenUser: 'A1', phone: '0501234567', status: 'Ringing', direction: 'Incoming' });
    await popup(relay, { ivrid: 'long-1', extenUser: 'A1', phone: '0501234567', status: 'Talking', direction: 'Incoming' });
    const now = Date.now();
    expect(await relay.flow.expireStale(now + 3 * 3_600_000, LIMITS)).toBe(0);
    expect(await relay.flow.expireStale(now + 5 * 3_600_000, LIMITS)).toBe(1);
    expect(await agent.next(ended('long-1'))).toMatchObject({ call: { answeredBy: 'me', cause: NO_HANGUP } });
    expect((await new CallLogSearch(relay.sql, () => Promise.resolve()).find({})).find((c) => c.ivrid === 'long-1')).toMatchObject({ outcome: 'answered' });
  });
});
