import { afterEach, describe, expect, it } from 'vitest';
import type { ServerMessage } from '../../shared/messages';
import { createLogger } from '../platform/log';
import { Console, PASSWORD } from './console-client';
import { AgentClient, eventually, popup, signIn, startRelay, type TestRelay } from './helpers';

/**
 * Voicenter's traffic, visible where an administrator looks first: one log line per request (what
 * came, for whom, what Voicenter got, how fast), a warning for what the relay could not take —
 * never the token or a full number, and not one per request when they come in a flood — and the
 * last request on the console's Live page.
 */
let relay: TestRelay | undefined;
afterEach(async () => {
  await relay?.stop();
  relay = undefined;
});

type Line = Record<string, unknown> & { level: number; msg: string };

async function relayWithLog(): Promise<{ relay: TestRelay; lines: Line[] }> {
  const lines: Line[] = [];
  const log = createLogger('info', { destination: { write: (l: string) => void lines.push(JSON.parse(l) as Line) } });
  relay = await startRelay({}, { log });
  return { relay, lines };
}

const INFO = 30;
const WARN = 40;

describe("Voicenter's requests in the log", () => {
  it('one info line per request: format, call, phase, the agent found or not, the answer time; the number never whole', async () => {
    const { relay, lines } = await relayWithLog();
    await relay.agents.add('L1', 'Dana', 'password-1');
    await popup(relay, { ivrid: 'log-1', extenUser: 'L1', phone: '0501234567', status: 'Ringing' });
    await popup(relay, { ivrid: 'log-2', extenUser: 'nobody', phone: '0501234567', status: 'Ringing' }, 'form');
    const events = lines.filter((l) => l.msg === 'Voicenter call event');
    expect(events).toHaveLength(2);
    expect(events[0]).toMatchObject({ level: INFO, origin: 'json', ivrid: 'log-1', phase: 'ringing', agent: 'L1', agentFound: true, caller: 'unknown', ms: expect.any(Number) });
    expect(events[1]).toMatchObject({ origin: 'form', ivrid: 'log-2', agent: 'nobody', agentFound: false });
    expect(JSON.stringify(lines)).not.toContain('1234567');
    expect(events[0]!.phone).toBe('*******567');
  });

  it('a wrong token and unreadable input each warn, without the token; a flood of them warns once, counting the rest', async () => {
    const { relay, lines } = await relayWithLog();
    const wrong = { popupUrl: `${relay.url}/voicenter/not-the-token-${'x'.repeat(20)}` };
    expect((await popup(wrong, { ivrid: 'w-1' })).status).toBe(404);
    const bad = await fetch(relay.popupUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"ivrid": ' });
    expect(bad.status).toBe(400);
    const warnings = () => lines.filter((l) => l.level === WARN);
    expect(warnings().map((l) => l.msg)).toEqual([expect.stringContaining('wrong token'), 'unreadable pop-up request']);
    // Sent at once: a scanner guessing tokens must not write a line per guess.
    const flood = await Promise.all(Array.from({ length: 50 }, (_, i) => popup(wrong, { ivrid: `f-${i}` })));
    expect(flood.every((r) => r.status === 404)).toBe(true);
    expect(warnings().filter((l) => l.msg.includes('wrong token'))).toHaveLength(1);
    expect(JSON.stringify(lines)).not.toContain(relay.token);
    expect(JSON.stringify(lines)).not.toContain('not-the-token');
  });
});

describe('over-long fields', () => {
  it('a caller name of 300 characters is cut and the call pops; its hang-up ends that call, with its number', async () => {
    relay = await startRelay();
    await relay.agents.add('T1', 'Dana', 'password-1');
    const agent = await AgentClient.connect(relay, await signIn(relay, 'T1', 'password-1'));
    const name = 'א'.repeat(300);
    const answer = await popup(relay, { ivrid: 'long-1', extenUser: 'T1', phone: '0501234567', callerName: name, status: 'Ringing' });
    expect(answer.status).toBe(200);
    const rang = await agent.next((m): m is Extract<ServerMessage, { type: 'call' }> => m.type === 'call' && m.call.ivrid === 'long-1');
    expect(rang.call.callerName).toBe('א'.repeat(256));
    await popup(relay, { ivrid: 'long-1', extenUser: 'T1', phone: '0501234567', callerName: name, status: 'Hangup', cause: 'Normal hangup' });
    const ended = await agent.next((m): m is Extract<ServerMessage, { type: 'call' }> => m.type === 'call' && m.call.ivrid === 'long-1' && m.call.state === 'ended');
    expect(ended.call.phone.raw).toBe('0501234567');
    // One call in the log, with its number: not a ringing call refused and a "missed" one without a number.
    expect(await relay.sql.all('SELECT ivrid, phone_raw, caller_name FROM calls')).toEqual([{ ivrid: 'long-1', phone_raw: '0501234567', caller_name: 'א'.repeat(256) }]);
    agent.close();
  });
});

describe('the last request from Voicenter, on the Live page', () => {
  it('none yet, then each request as it was answered', async () => {
    relay = await startRelay();
    await relay.admins.setPassword('admin', PASSWORD);
    const c = await Console.signIn(relay);
    expect((await c.call('/floor')).body.voicenter).toBeNull();
    const before = Date.now();
    await popup({ popupUrl: `${relay.url}/voicenter/wrong-token-${'y'.repeat(20)}` }, { ivrid: 'v-1' });
    expect((await c.call('/floor')).body.voicenter).toMatchObject({ status: 404, code: 'NOT_FOUND', format: 'unreadable' });
    await popup(relay, { ivrid: 'v-2', phone: '0501234567', status: 'Ringing' }, 'query');
    const last = await eventually(() => c.call('/floor'), (r) => r.body.voicenter?.status === 200, 'the good request shown');
    expect(last.body.voicenter).toEqual({ at: expect.any(Number), format: 'query', status: 200 });
    expect(last.body.voicenter.at).toBeGreaterThanOrEqual(before);
  });
});
