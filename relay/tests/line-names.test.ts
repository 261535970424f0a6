import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CONSOLE_HEADER } from '../../shared/console';
import type { ServerMessage } from '../../shared/messages';
import { AgentClient, popup, signIn, startRelay, type TestRelay } from './helpers';

let relay: TestRelay;
let cookie: string;

beforeEach(async () => {
  relay = await startRelay();
  await relay.admins.setPassword('admin', 'console-password');
  const res = await fetch(`${relay.url}/console/api/session`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', [CONSOLE_HEADER]: '1' },
    body: JSON.stringify({ username: 'admin', password: 'console-password' }),
  });
  cookie = res.headers.get('set-cookie')!.split(';')[0]!;
});

afterEach(async () => {
  await relay.stop();
});

const api = (path: string, method = 'GET', json?: unknown) =>
  fetch(`${relay.url}/console/api${path}`, {
    method,
    headers: { cookie, [CONSOLE_HEADER]: '1', ...(json === undefined ? {} : { 'content-type': 'application/json' }) },
    body: json === undefined ? undefined : JSON.stringify(json),
  });

describe('line names (the console\'s Settings page)', () => {
  it('names a line, and agents get the name with every call on it; the same line in any form', async () => {
    // Typed as people write it: one line, kept in one form.
    const saved = await api(`/lines/${encodeURIComponent('03-765 4321')}`, 'PUT', { name: ' Sales ' });
    expect(await saved.json()).toEqual([{ line: '+97237654321', local: '03-765-4321', name: 'Sales' }]);
    for (const form of ['+972 3-765-4321', '(03) 7654321', '97237654321']) {
      expect(await (await api(`/lines/${encodeURIComponent(form)}`, 'PUT', { name: 'Sales' })).json(), form).toEqual([{ line: '+97237654321', local: '03-765-4321', name: 'Sales' }]);
    }
    for (const bad of ['sales', '12', '03-765-4321 x2']) expect((await api(`/lines/${encodeURIComponent(bad)}`, 'PUT', { name: 'Sales' })).status, bad).toBe(400);
    await relay.agents.add('A1', 'Dana', 'pw');
    const agent = await AgentClient.connect(relay, await signIn(relay, 'A1', 'pw'));
    await popup(relay, { ivrid: 'line-1', extenUser: 'A1', phone: '0501234567', did: '037654321', status: 'Ringing' });
    const message = await agent.next((m: ServerMessage) => m.type === 'call' && m.call.ivrid === 'line-1');
    expect(message).toMatchObject({ call: { did: '037654321', line: 'Sales' } });
    agent.close();
  });

  it('refuses a name that is empty or too long, removes one, and says when there was none', async () => {
    expect((await api('/lines/037654321', 'PUT', { name: '' })).status).toBe(400);
    expect((await api('/lines/037654321', 'PUT', { name: 'x'.repeat(61) })).status).toBe(400);
    await api('/lines/037654321', 'PUT', { name: 'Support' });
    expect((await api(`/lines/${encodeURIComponent('+972-3-765-4321')}`, 'DELETE')).status).toBe(204);
    expect(await (await api('/lines')).json()).toEqual([]);
    expect((await api('/lines/037654321', 'DELETE')).status).toBe(404);
  });

  it('keeps the names across a restart of the relay', async () => {
    await api('/lines/0776707528', 'PUT', { name: 'Support' });
    const again = await startRelay({ RELAY_DATA_DIR: relay.dataDir });
    try {
      await again.agents.add('B1', '', 'pw');
      const agent = await AgentClient.connect(again, await signIn(again, 'B1', 'pw'));
      await popup(again, { ivrid: 'line-2', extenUser: 'B1', phone: '0501234567', did: '077-670-7528', status: 'Ringing' });
      expect(await agent.next((m) => m.type === 'call' && m.call.ivrid === 'line-2')).toMatchObject({ call: { line: 'Support' } });
      agent.close();
    } finally {
      await again.stop();
    }
  });
});
