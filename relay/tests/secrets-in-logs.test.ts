import { pino } from 'pino';
import { createLogger, maskPhone } from '../platform/log';
import { describe, expect, it } from 'vitest';
import { AgentClient, popup, signIn, startRelay } from './helpers';

describe('logs', () => {
  it('never contain the pop-up token, a password or a session token, even at trace level', async () => {
    const lines: string[] = [];
    const relay = await startRelay({}, { log: pino({ level: 'trace' }, { write: (l: string) => void lines.push(l) }) });
    try {
      const password = 'Sup3r-Secret-Passw0rd';
      await relay.agents.add('A1', 'Dana', password);
      // A failed attempt logs too: with the password wrong by one character.
      await fetch(`${relay.url}/api/sessions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ extenUser: 'A1', password: `${password}!` }),
      });
      const token = await signIn(relay, 'A1', password);
      const agent = await AgentClient.connect(relay, token);
      await popup(relay, { ivrid: 'log-1', extenUser: 'A1', phone: '0722776772', status: 'Ringing' }, 'query');
      await popup(relay, { ivrid: 'log-1', extenUser: 'A1', status: 'Hangup', cause: 'x' });
      await fetch(`${relay.url}/voicenter/${relay.token}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{bad' });
      await agent.next((m) => m.type === 'call' && m.call.state === 'ended');
      await fetch(`${relay.url}/api/sessions/current`, { method: 'DELETE', headers: { authorization: `Bearer ${token}` } });
      await agent.closed();
      const all = lines.join('\n');
      expect(all).toContain('/voicenter/[token]');
      expect(all).toContain('signed in');
      for (const secret of [relay.token, password, token]) expect(all).not.toContain(secret);
    } finally {
      await relay.stop();
    }
  });

  const logged = async (phones: 'masked' | 'full') => {
    const lines: Record<string, unknown>[] = [];
    const log = createLogger('debug', { phones, destination: { write: (l: string) => void lines.push(JSON.parse(l)) } });
    const relay = await startRelay({}, { log });
    try {
      const res = await fetch(`${relay.popupUrl}?ivrid=mask-1&extenUser=A1&phone=0722776772&status=Ringing`, { headers: { 'x-request-id': 'vc-req-42' } });
      expect(res.headers.get('x-request-id')).toBe('vc-req-42');
      const generated = await fetch(`${relay.popupUrl}?ivrid=mask-2&extenUser=A1&phone=0722776772&status=Weird`, { headers: { 'x-request-id': 'not a sane id {}' } });
      const id = generated.headers.get('x-request-id')!;
      expect(id).toMatch(/^[0-9a-f-]{36}$/);
      return { lines, id };
    } finally {
      await relay.stop();
    }
  };

  it('carry the request id in every line about a request, and mask phone numbers by default', async () => {
    const { lines, id } = await logged('masked');
    const first = lines.filter((l) => l.reqId === 'vc-req-42');
    expect(first.map((l) => l.msg)).toEqual(expect.arrayContaining(['Voicenter call event', 'request']));
    expect(first.find((l) => l.msg === 'Voicenter call event')).toMatchObject({ ivrid: 'mask-1', phone: '*******772' });
    expect(lines.find((l) => l.reqId === id && l.msg === 'unknown call status: recorded, nothing delivered')).toMatchObject({ phone: '*******772' });
    expect(JSON.stringify(lines)).not.toContain('0722776772');
  });

  it('show whole numbers with RELAY_LOG_PHONES=full', async () => {
    const { lines } = await logged('full');
    expect(lines.find((l) => l.msg === 'Voicenter call event')).toMatchObject({ phone: '0722776772' });
  });

  it('mask numbers quoted in error text too', () => {
    expect(maskPhone('+972-72-277-6772')).toBe('*********772');
    const lines: string[] = [];
    createLogger('info', { destination: { write: (l: string) => void lines.push(l) } }).warn(
      { err: 'HTTP 500 from https://crm.example/search?phone=972722776772' },
      'caller lookup source failed',
    );
    expect(lines[0]).toContain('phone=*********772');
  });
});
