import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import pino from 'pino';
import { json, testServer, type TestServer } from './crm-servers';
import { endlessServer, NEAR_THE_CAP } from './endless-answer';
import { AgentClient, signIn, startRelay, type TestRelay } from './helpers';

/**
 * Click-to-call through a local stand-in of Voicenter's Click2Call (../shared/VOICENTER-REALTIME.md
 * §2: POST-JSON with code, phone, target, action, format; answers {ERRORCODE, ERRORMESSAGE, CALLID},
 * ERRORCODE 0 OK, 1 invalid parameters, 2 application error, 3 extension offline, 4 blocked).
 */
const CODE = 'click2call-code';
let voicenter: TestServer;
/** What the stand-in answers the next request with. */
let answer: Record<string, unknown> = {};
const received = () => voicenter.requests.map((r) => JSON.parse(r.body) as Record<string, unknown>);
let relay: TestRelay;
let token: string;

beforeAll(async () => {
  voicenter = await testServer((_req, res) => json(res, answer));
  relay = await startRelay({}, { voicenter: { realtime: null, click2call: { code: CODE, url: `${voicenter.url}/ForwardDialer/click2call.aspx`, perAgentPerMinute: 6 }, extensions: null } });
  await relay.agents.add('KGpK4iWq', 'Dana Cohen', 'pw-dana');
  token = await signIn(relay, 'KGpK4iWq', 'pw-dana');
});
afterAll(async () => {
  await relay.stop();
  await voicenter.close();
});
beforeEach(() => {
  voicenter.requests.length = 0;
  answer = { ERRORCODE: 0, ERRORMESSAGE: 'OK', CALLID: `c2c-call-${Date.now()}` };
});

const call = (number: unknown, session = token) =>
  fetch(`${relay.url}/api/calls`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${session}` }, body: JSON.stringify({ number }) }).then(async (res) => ({
    status: res.status,
    body: (await res.json()) as Record<string, unknown>,
  }));

describe('click-to-call', () => {
  it("rings the agent's extension first, then the number in international form, and logs the call as an outgoing click-to-call", async () => {
    const agent = await AgentClient.connect(relay, token);
    const callId = answer.CALLID as string;
    expect(await call('050-123-4567')).toEqual({ status: 200, body: { outcome: 'placed', number: '050-123-4567' } });
    expect(received()).toEqual([{ code: CODE, phone: 'KGpK4iWq', target: '972501234567', action: 'call', format: 'json' }]);
    const dialing = await agent.next((m) => m.type === 'call' && m.call.ivrid === callId);
    expect(dialing).toMatchObject({ call: { direction: 'outgoing', state: 'dialing', phone: { e164: '+972501234567' } } });
    agent.close();
  });

  it.each([
    [1, 'invalid'],
    [2, 'voicenter-error'],
    [3, 'phone-offline'],
    [4, 'blocked'],
    [99, 'refused'],
  ])("Voicenter's ERRORCODE %i is said as %s", async (code, outcome) => {
    answer = { ERRORCODE: code, ERRORMESSAGE: 'something' };
    expect(await call('+972 50 123 4567')).toEqual({ status: 200, body: { outcome, number: '050-123-4567' } });
  });

  it('never sends Voicenter something that is not a phone number', async () => {
    for (const number of ['hello', '12', '', 'javascript:alert(1)', 'Anonymous']) {
      const answer = await call(number);
      expect(answer.status, number).toBe(400);
      expect(answer.body.CODE).toBe('INVALID_FIELDS');
    }
    expect((await call(['0501234567'])).status).toBe(400);
    expect(received()).toEqual([]);
  });

  it('refuses without a session, and when the relay has no Click2Call set up', async () => {
    expect((await call('0501234567', 'not-a-session')).status).toBe(401);
    const bare = await startRelay();
    try {
      await bare.agents.add('A1', 'A', 'pw-a1');
      const res = await fetch(`${bare.url}/api/calls`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${await signIn(bare, 'A1', 'pw-a1')}` }, body: '{"number":"0501234567"}' });
      expect(res.status).toBe(503);
    } finally {
      await bare.stop();
    }
    expect(received()).toEqual([]);
  });

  it('the hello tells the extension whether click-to-call is set up (it offers "Call back" only then)', async () => {
    const agent = await AgentClient.connect(relay, token);
    expect(await agent.next((m) => m.type === 'hello')).toMatchObject({ clickToCall: true });
    agent.close();
    const bare = await startRelay();
    try {
      await bare.agents.add('A1', 'A', 'pw-a1');
      const plain = await AgentClient.connect(bare, await signIn(bare, 'A1', 'pw-a1'));
      expect(await plain.next((m) => m.type === 'hello')).toMatchObject({ clickToCall: false });
      plain.close();
    } finally {
      await bare.stop();
    }
  });

  it('lets one agent place at most its calls a minute, also when they are sent at once', async () => {
    await relay.agents.add('Burst1', 'Burst', 'pw-burst');
    const burst = await signIn(relay, 'Burst1', 'pw-burst');
    const answers = await Promise.all(Array.from({ length: 10 }, () => call('0501234567', burst)));
    expect(answers.filter((a) => a.status === 200)).toHaveLength(6);
    const refused = answers.filter((a) => a.status === 429);
    expect(refused).toHaveLength(4);
    expect(refused[0]!.body.CODE).toBe('TOO_MANY');
    expect(received().filter((r) => r.phone === 'Burst1')).toHaveLength(6);
  });

  it("an answer from Click2Call that never ends: read no further than 64 KB; the agent is told it was refused, the log says why", async () => {
    const endless = await endlessServer({ prefix: '{"ERRORCODE":0,"ERRORMESSAGE":"' });
    const lines: { msg: string; outcome?: string; detail?: string }[] = [];
    const log = pino({ level: 'info' }, { write: (line: string) => void lines.push(JSON.parse(line) as (typeof lines)[number]) });
    const other = await startRelay({}, { log, voicenter: { realtime: null, click2call: { code: CODE, url: `${endless.url}/ForwardDialer/click2call.aspx`, perAgentPerMinute: 6 }, extensions: null } });
    try {
      await other.agents.add('A1', 'A', 'pw-a1');
      const res = await fetch(`${other.url}/api/calls`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${await signIn(other, 'A1', 'pw-a1')}` }, body: '{"number":"0501234567"}' });
      expect([res.status, await res.json()]).toEqual([200, { outcome: 'refused', number: '050-123-4567' }]);
      expect(lines.find((l) => l.msg === 'click-to-call')).toMatchObject({ outcome: 'refused', detail: 'an answer that cannot be read: answer larger than 65536 bytes' });
      await endless.ended(1);
      expect([endless.cutOff(), endless.gaveUp()]).toEqual([1, 0]);
      expect(endless.sent()).toBeLessThan(NEAR_THE_CAP);
    } finally {
      await other.stop();
      await endless.close();
    }
  });
});
