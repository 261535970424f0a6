import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { AgentClient, popup, signIn, startRelay } from './test-helpers';

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
});
