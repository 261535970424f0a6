import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Identity } from '../../shared/messages';
import { Console, PASSWORD } from './console-client';
import { AgentClient, popup, signIn, startRelay, type TestRelay } from './helpers';

/**
 * Several contacts have the caller's number: the agent chooses one, and the choice is the match
 * for that number for the whole company ("chosen by Dana Cohen") until a supervisor clears it or
 * the source no longer returns that record.
 */
let relay: TestRelay;
let token: string;

beforeEach(async () => {
  relay = await startRelay();
  await relay.agents.add('KGpK4iWq', 'Dana Cohen', 'pw-dana');
  await relay.agents.add('Avi01', 'Avi Levi', 'pw-avi');
  await relay.directory.upsert({ id: 'c-1', name: 'Noa Bar', company: 'Globex', url: 'https://crm.example.com/c/1', phones: ['0501234567'] });
  await relay.directory.upsert({ id: 'c-2', name: 'Noa Bar-Lev', company: 'Initech', url: 'https://crm.example.com/c/2', phones: ['050-123-4567'] });
  token = await signIn(relay, 'KGpK4iWq', 'pw-dana');
});
afterEach(() => relay.stop());

const ring = (ivrid: string, extenUser = 'KGpK4iWq') => popup(relay, { ivrid, extenUser, status: 'Ringing', direction: 'Incoming', phone: '0501234567' });
const choose = (body: Record<string, unknown>, bearer = token) =>
  fetch(`${relay.url}/api/choices`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${bearer}` }, body: JSON.stringify(body) });

describe('choosing among several matching contacts', () => {
  it('offers every match; the choice names the caller at every station, and the next call from the number', async () => {
    const agent = await AgentClient.connect(relay, token);
    await ring('ch-1');
    const rang = await agent.next((m) => m.type === 'call' && m.call.ivrid === 'ch-1');
    const offered = rang.type === 'call' ? rang.call.identity : null;
    expect(offered).toMatchObject({ status: 'multiple', total: 2 });
    expect(offered!.choices!.map((c) => [c.name, c.company, c.id, c.source]).sort((a, b) => a[2]!.localeCompare(b[2]!))).toEqual([
      ['Noa Bar', 'Globex', 'c-1', 'directory'],
      ['Noa Bar-Lev', 'Initech', 'c-2', 'directory'],
    ]);

    const res = await choose({ ivrid: 'ch-1', phone: '0501234567', source: 'directory', id: 'c-2' });
    expect(res.status).toBe(200);
    const { identity } = (await res.json()) as { identity: Identity };
    expect(identity).toMatchObject({ status: 'found', name: 'Noa Bar-Lev', company: 'Initech', url: 'https://crm.example.com/c/2', id: 'c-2', chosenBy: 'Dana Cohen', how: 'chosen by Dana Cohen' });
    await agent.next((m) => m.type === 'identity' && m.ivrid === 'ch-1' && m.identity.name === 'Noa Bar-Lev');

    // The next call from the number, at another agent: the chosen contact, the others still offered.
    const avi = await AgentClient.connect(relay, await signIn(relay, 'Avi01', 'pw-avi'));
    const answer = await ring('ch-2', 'Avi01');
    expect(answer.body).toMatchObject({ CLIENTNAME: 'Noa Bar-Lev', COMPANY: 'Initech' });
    const next = await avi.next((m) => m.type === 'call' && m.call.ivrid === 'ch-2');
    expect(next.type === 'call' && next.call.identity).toMatchObject({ status: 'found', name: 'Noa Bar-Lev', chosenBy: 'Dana Cohen', choices: expect.any(Array) });
    agent.close();
    avi.close();
  });

  it('refuses what is not one of the matches, a call that did not ring for the agent, no session, and bad input', async () => {
    await ring('ch-3');
    await popup(relay, { ivrid: 'ch-4', extenUser: 'Avi01', status: 'Ringing', direction: 'Incoming', phone: '0501234567' });
    expect((await choose({ ivrid: 'ch-3', phone: '0501234567', source: 'directory', id: 'c-9' })).status).toBe(409);
    expect((await choose({ ivrid: 'ch-3', phone: '0501234567', source: 'crm', id: 'c-1' })).status).toBe(409);
    expect((await choose({ ivrid: 'ch-4', phone: '0501234567', source: 'directory', id: 'c-1' })).status).toBe(403);
    expect((await choose({ ivrid: 'ch-3', phone: '0501234567', source: 'directory', id: 'c-1' }, 'not-a-session')).status).toBe(401);
    for (const bad of [{}, { ivrid: 'ch-3', phone: '', source: 'directory', id: 'c-1' }, { ivrid: 'ch-3', phone: '0501234567', source: 'directory', id: 'x'.repeat(201) }, { ivrid: 'ch-3', phone: '0501234567', source: 'directory', id: 'c-1', extra: 1 }]) {
      expect((await choose(bad)).status).toBe(400);
    }
    // The ivrid rule of every source: a line, a path or a key is no call's id.
    for (const ivrid of ['ch-3 x', 'ch-3\n../x', 'ch-3/../x', 'ch-3:identity']) {
      const res = await choose({ ivrid, phone: '0501234567', source: 'directory', id: 'c-1' });
      expect({ ivrid, status: res.status, error: ((await res.json()) as { ERROR: string }).ERROR }).toEqual({ ivrid, status: 400, error: expect.stringContaining('ivrid must be 1 to 128 letters, digits or . _ -') });
    }
    expect(await relay.choices.list()).toEqual([]);
  });

  it('a supervisor clears it in the console; a record the source no longer returns is forgotten by itself', async () => {
    await ring('ch-5');
    expect((await choose({ ivrid: 'ch-5', phone: '0501234567', source: 'directory', id: 'c-1' })).status).toBe(200);
    await relay.admins.setPassword('admin', PASSWORD);
    const console_ = await Console.signIn(relay);
    expect((await console_.call('/choices')).body).toMatchObject([{ number: '+972501234567', name: 'Noa Bar', chosenBy: 'Dana Cohen' }]);
    expect((await console_.call('/choices/%2B972501234567', { method: 'DELETE' })).status).toBe(204);
    expect((await console_.call('/choices/%2B972501234567', { method: 'DELETE' })).status).toBe(404);
    expect((await ring('ch-6')).body).toMatchObject({ TOTAL: 2 });

    await ring('ch-7');
    expect((await choose({ ivrid: 'ch-7', phone: '0501234567', source: 'directory', id: 'c-1' })).status).toBe(200);
    // Noa Bar's number changes in the directory: only Noa Bar-Lev has it now.
    await relay.directory.upsert({ id: 'c-1', name: 'Noa Bar', company: 'Globex', url: 'https://crm.example.com/c/1', phones: ['0529999999'] });
    expect((await ring('ch-8')).body).toMatchObject({ CLIENTNAME: 'Noa Bar-Lev', TOTAL: 1 });
    await expect.poll(() => relay.choices.list()).toEqual([]);
  });
});
