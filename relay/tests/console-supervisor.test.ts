import { parse as parseCsv } from 'csv-parse/sync';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AdminView, FloorAgent, LoggedCall } from '../../shared/console';
import { CONSOLE_HEADER } from '../../shared/console';
import { Console, PASSWORD } from './console-client';
import { AgentClient, popup, signIn, startRelay, type TestRelay } from './helpers';

/** What a supervisor does on a first day: agents by name, an export to read, administrators, removing what is wrong. */
describe('the console for a supervisor', () => {
  let relay: TestRelay;
  beforeEach(async () => {
    relay = await startRelay();
    await relay.admins.setPassword('admin', PASSWORD);
  });
  afterEach(() => relay.stop());

  describe('the call log', () => {
    beforeEach(async () => {
      await relay.agents.add('A1', 'Dana Cohen', 'a-password');
      await relay.agents.add('A2', 'Avi Levi', 'a-password');
      const named = await (await Console.signIn(relay)).call(`/lines/${encodeURIComponent('03-765-4321')}`, { method: 'PUT', json: { name: '=Sales' } });
      expect(named.status).toBe(200);
      // A queue call missed by both agents: each station's hang-up, none for the call itself.
      await popup(relay, { ivrid: 'M1', extenUser: 'A1', phone: '0501111111', did: '037654321', status: 'Ringing', direction: 'Incoming' });
      await popup(relay, { ivrid: 'M1', extenUser: 'A2', phone: '0501111111', did: '037654321', status: 'Ringing', direction: 'Incoming' });
      await popup(relay, { ivrid: 'M1', extenUser: 'A1', phone: '0501111111', status: 'Hangup', direction: 'Incoming', cause: 'NO ANSWER' });
      await popup(relay, { ivrid: 'M1', extenUser: 'A2', phone: '0501111111', status: 'Hangup', direction: 'Incoming', cause: 'NO ANSWER' });
      await popup(relay, { ivrid: 'T1', extenUser: 'A2', phone: '0502222222', status: 'Ringing', direction: 'Incoming' });
      await popup(relay, { ivrid: 'T1', extenUser: 'A2', phone: '0502222222', status: 'Talking', direction: 'Incoming' });
      await popup(relay, { ivrid: 'T1', extenUser: 'A2', phone: '0502222222', status: 'Hangup', direction: 'Incoming', cause: 'NORMAL' });
    });

    it('names the agents, and filters by a name as well as by an extension user', async () => {
      const c = await Console.signIn(relay);
      const ids = async (agent: string) => ((await c.call(`/calls?agent=${encodeURIComponent(agent)}`)).body as LoggedCall[]).map((r) => r.ivrid);
      expect(await ids('dana')).toEqual(['M1']);
      expect(await ids('Avi Levi')).toEqual(['T1', 'M1']);
      expect(await ids('a1')).toEqual(['M1']);
      const [t1] = (await c.call('/calls?agent=avi')).body as LoggedCall[];
      expect(t1).toMatchObject({ answeredBy: 'A2', agents: [{ extenUser: 'A2', name: 'Avi Levi' }] });
    });

    it('exports local times with their zone, the line, ring and talk seconds, and the end of a missed call', async () => {
      const c = await Console.signIn(relay);
      const res = await c.call('/calls.csv?tz=Asia/Jerusalem');
      expect(res.status).toBe(200);
      const rows = parseCsv<Record<string, string>>(res.text, { bom: true, columns: true });
      const missed = rows.find((r) => r.ivrid === 'M1')!;
      const talked = rows.find((r) => r.ivrid === 'T1')!;
      const [logged] = (await c.call('/calls?missed=1')).body as LoggedCall[];
      const israel = (ms: number) => new Date(ms).toLocaleString('sv-SE', { timeZone: 'Asia/Jerusalem' });
      expect(missed).toMatchObject({
        outcome: 'missed', line: '037654321', startedAt: israel(logged!.startedAt), endedAt: israel(logged!.endedAt!), talkSeconds: '0',
        answeredBy: '', stations: 'A1 A2', agentNames: 'Dana Cohen; Avi Levi',
        // A name a supervisor typed is text, as every cell is.
        lineName: `'=Sales`,
      });
      expect(missed.timeZone).toMatch(/^Asia\/Jerusalem \(UTC\+0[23]:00\)$/);
      expect(Number(missed.ringSeconds)).toBeGreaterThanOrEqual(0);
      expect(talked).toMatchObject({ outcome: 'answered', answeredBy: 'A2', answeredByName: 'Avi Levi', lineName: '' });
      expect(talked.endedAt).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/);
      expect(talked.talkSeconds).toMatch(/^\d+$/);
      expect((await c.call('/calls.csv?tz=Mars/Olympus')).status).toBe(400);
    });

    it('reads a day in the zone asked for', async () => {
      const c = await Console.signIn(relay);
      const started = ((await c.call('/calls?number=0501111111')).body as LoggedCall[])[0]!.startedAt;
      // 25 hours apart: at any moment one of them (at least) is on another day than UTC.
      for (const zone of ['Pacific/Kiritimati', 'Pacific/Pago_Pago']) {
        const day = new Date(started).toLocaleDateString('sv-SE', { timeZone: zone });
        const found = ((await c.call(`/calls?from=${day}&to=${day}&tz=${zone}`)).body as LoggedCall[]).map((r) => r.ivrid);
        expect({ zone, found }).toEqual({ zone, found: expect.arrayContaining(['M1']) });
      }
    });
  });

  describe('administrators', () => {
    it('lists, adds (8 characters at least) and removes administrators, never the last one', async () => {
      const c = await Console.signIn(relay);
      expect(((await c.call('/admins')).body as AdminView[]).map((a) => [a.username, a.you])).toEqual([['admin', true]]);
      const short = await c.call('/admins', { method: 'POST', json: { username: 'noa', password: 'short' } });
      expect(short).toMatchObject({ status: 400, body: { CODE: 'INVALID_FIELDS' } });
      expect(short.body.ERROR).toMatch(/at least 8 characters/);
      expect((await c.call('/admins', { method: 'POST', json: { username: 'has space', password: 'long-enough' } })).status).toBe(400);
      expect((await c.call('/admins', { method: 'POST', json: { username: 'noa', password: 'long-enough' } })).status).toBe(201);
      expect((await c.call('/admins', { method: 'POST', json: { username: 'noa', password: 'long-enough' } })).status).toBe(409);
      const noa = await Console.signInAs(relay, 'noa', 'long-enough');
      expect(((await noa.call('/admins')).body as AdminView[]).map((a) => [a.username, a.you])).toEqual([['admin', false], ['noa', true]]);

      // noa removes admin (whose session ends), then cannot remove herself, the last one.
      expect((await noa.call('/admins/admin', { method: 'DELETE' })).status).toBe(204);
      expect((await c.call('/admins')).status).toBe(401);
      const last = await noa.call('/admins/noa', { method: 'DELETE' });
      expect(last).toMatchObject({ status: 409, body: { CODE: 'LAST_ADMIN' } });
      expect(last.body.ERROR).toMatch(/only administrator/);
      expect(await relay.admins.list()).toMatchObject([{ username: 'noa' }]);
      expect((await noa.call('/admins/nobody', { method: 'DELETE' })).status).toBe(404);
    });

    it('takes changes only from a signed-in console (session and console header)', async () => {
      const anonymous = await fetch(`${relay.url}/console/api/admins`, {
        method: 'POST', headers: { 'content-type': 'application/json', [CONSOLE_HEADER]: '1' }, body: JSON.stringify({ username: 'x', password: 'long-enough' }),
      });
      expect(anonymous.status).toBe(401);
      expect((await fetch(`${relay.url}/console/api/admins`)).status).toBe(401);
      const c = await Console.signIn(relay);
      const cookie = (c as unknown as { cookie: string }).cookie;
      for (const [method, path] of [['POST', '/admins'], ['DELETE', '/admins/admin']] as const) {
        const forged = await fetch(`${relay.url}/console/api${path}`, { method, headers: { cookie, 'content-type': 'application/json' }, body: method === 'POST' ? JSON.stringify({ username: 'x', password: 'long-enough' }) : undefined });
        expect(forged.status, `${method} ${path}`).toBe(403);
      }
      expect((await relay.admins.list()).map((a) => a.username)).toEqual(['admin']);
      // The same change from the console itself goes through.
      expect((await c.call('/admins', { method: 'POST', json: { username: 'x', password: 'long-enough' } })).status).toBe(201);
    });
  });

  describe('removing what is wrong', () => {
    it('deletes a contact: the next call from its number is not named after it', async () => {
      await relay.directory.upsert({ id: 'c1', name: 'Dana', company: 'Acme', url: '', phones: ['0501234567'] });
      const c = await Console.signIn(relay);
      const [dana] = (await c.call('/contacts?q=Dana')).body.contacts;
      expect((await popup(relay, { ivrid: 'D1', extenUser: 'A1', phone: '0501234567', status: 'Ringing' })).body).toMatchObject({ CLIENTNAME: 'Dana' });
      const forged = await fetch(`${relay.url}/console/api/contacts/${dana.key}`, { method: 'DELETE', headers: { cookie: (c as unknown as { cookie: string }).cookie } });
      expect(forged.status).toBe(403);
      expect((await c.call(`/contacts/${dana.key}`, { method: 'DELETE' })).status).toBe(204);
      expect((await popup(relay, { ivrid: 'D2', extenUser: 'A1', phone: '0501234567', status: 'Ringing' })).body).toMatchObject({ CLIENTNAME: '', TOTAL: 0 });
      expect((await c.call(`/contacts/${dana.key}`, { method: 'DELETE' })).status).toBe(404);
      expect((await c.call('/contacts/nobody', { method: 'DELETE' })).status).toBe(404);
    });

    it('removes an agent: its browsers are signed out at once, and it cannot sign in again', async () => {
      await relay.agents.add('A1', 'Dana', 'a-password');
      const c = await Console.signIn(relay);
      const agent = await AgentClient.connect(relay, await signIn(relay, 'A1', 'a-password'));
      expect((await c.call('/agents/A1', { method: 'DELETE' })).status).toBe(204);
      expect(await agent.closed()).toBe(4001);
      expect((await c.call('/agents')).body as FloorAgent[]).toEqual([]);
      await expect(signIn(relay, 'A1', 'a-password')).rejects.toThrow(/401/);
      expect((await c.call('/agents/A1', { method: 'DELETE' })).status).toBe(404);
    });
  });
});
