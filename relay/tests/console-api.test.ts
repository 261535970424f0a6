import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parse as parseCsv } from 'csv-parse/sync';
import type { DirectoryEntry, FloorAgent, ImportPreview, LoggedCall, ConsoleSettings as Settings } from '../../shared/console';
import { CONSOLE_HEADER, CONSOLE_SESSION_COOKIE as SESSION_COOKIE } from '../../shared/console';
import { Console, PASSWORD } from './console-client';
import { AgentClient, popup, signIn, startRelay, type TestRelay } from './helpers';



describe('the console API', () => {
  let relay: TestRelay;
  beforeEach(async () => {
    relay = await startRelay();
    await relay.admins.setPassword('admin', PASSWORD);
  });
  afterEach(() => relay.stop());

  describe('signing in', () => {
    it('creates the first administrator once, with a generated password', async () => {
      const fresh = await startRelay();
      try {
        const password = await fresh.admins.ensureFirst();
        expect(password).toMatch(/^[\w-]{16}$/);
        expect(await fresh.admins.ensureFirst()).toBeNull();
        await Console.signIn(fresh, password!);
      } finally {
        await fresh.stop();
      }
    });

    it('refuses a wrong password, and every page without a session', async () => {
      const res = await fetch(`${relay.url}/console/api/session`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', [CONSOLE_HEADER]: '1' },
        body: JSON.stringify({ username: 'admin', password: 'wrong' }),
      });
      expect(res.status).toBe(401);
      expect(res.headers.get('set-cookie')).toBeNull();
      for (const path of ['/floor', '/calls', '/calls.csv', '/agents', '/contacts', '/sources', '/settings']) {
        const anon = await fetch(`${relay.url}/console/api${path}`);
        expect(anon.status, path).toBe(401);
      }
    });

    it('slows an administrator account down after repeated wrong passwords', async () => {
      const attempt = (password: string) =>
        fetch(`${relay.url}/console/api/session`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', [CONSOLE_HEADER]: '1' },
          body: JSON.stringify({ username: 'admin', password }),
        });
      for (let i = 0; i < 5; i++) expect((await attempt('wrong')).status).toBe(401);
      const refused = await attempt(PASSWORD);
      expect(refused.status).toBe(429);
      expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    });

    it('answers a malformed cookie with 401, not an error', async () => {
      const res = await fetch(`${relay.url}/console/api/floor`, { headers: { cookie: `${SESSION_COOKIE}=%E0%A4%A` } });
      expect(res.status).toBe(401);
    });

    it('keeps a console session for a working day (12 hours), not an agent\'s 30 days', async () => {
      const res = await fetch(`${relay.url}/console/api/session`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', [CONSOLE_HEADER]: '1' },
        body: JSON.stringify({ username: 'admin', password: PASSWORD }),
      });
      expect(res.headers.get('set-cookie')).toContain('Max-Age=43200');
    });

    it('does not let an agent session into the console', async () => {
      await relay.agents.add('A1', 'Dana', 'pw');
      const token = await signIn(relay, 'A1', 'pw');
      const res = await fetch(`${relay.url}/console/api/floor`, { headers: { cookie: `${SESSION_COOKIE}=${token}`, authorization: `Bearer ${token}` } });
      expect(res.status).toBe(401);
    });

    it('refuses changes without the console header (another site cannot post a form)', async () => {
      const c = await Console.signIn(relay);
      const cookie = (c as unknown as { cookie: string }).cookie;
      const res = await fetch(`${relay.url}/console/api/agents`, {
        method: 'POST',
        headers: { cookie, 'content-type': 'application/json' },
        body: JSON.stringify({ extenUser: 'X1' }),
      });
      expect(res.status).toBe(403);
      expect(await relay.agents.get('X1')).toBeUndefined();
    });

    it('ends the session on sign-out and when the password changes', async () => {
      const c = await Console.signIn(relay);
      expect((await c.call('/session', { method: 'DELETE' })).status).toBe(204);
      expect((await c.call('/floor')).status).toBe(401);
      const d = await Console.signIn(relay);
      await relay.admins.setPassword('admin', 'another-password');
      expect((await d.call('/floor')).status).toBe(401);
    });
  });

  describe('the live floor', () => {
    it('shows an agent connecting and a call ringing, then the call ending, as events', async () => {
      await relay.agents.add('A1', 'Dana', 'pw');
      const c = await Console.signIn(relay);
      const events = await c.floorEvents();
      try {
        const first = await events.next(() => true);
        expect(first.agents).toEqual([{ extenUser: 'A1', name: 'Dana', enabled: true, browsers: 0, since: null, phone: null }]);
        // Without Voicenter's Real-Time API there are no queues to show (null, not an empty list).
        expect(first.queues).toBeNull();
        const agent = await AgentClient.connect(relay, await signIn(relay, 'A1', 'pw'));
        const connected = await events.next((f) => f.agents[0]!.browsers === 1);
        expect(connected.agents[0]!.since).toBeGreaterThan(0);

        await popup(relay, { ivrid: 'L1', extenUser: 'A1', phone: '0501234567', status: 'Ringing', direction: 'Incoming' });
        const ringing = await events.next((f) => f.calls.length === 1);
        expect(ringing.calls[0]).toMatchObject({ ivrid: 'L1', state: 'ringing', stations: [{ extenUser: 'A1', state: 'ringing' }] });

        await popup(relay, { ivrid: 'L1', extenUser: 'A1', phone: '0501234567', status: 'Hangup', direction: 'Incoming', cause: 'NO ANSWER' });
        await events.next((f) => f.calls.length === 0);
        agent.close();
        await events.next((f) => f.agents[0]!.browsers === 0);
      } finally {
        events.close();
      }
    });
  });

  describe('the call log', () => {
    beforeEach(async () => {
      await popup(relay, { ivrid: 'C1', extenUser: 'A1', phone: '0501111111', status: 'Ringing', direction: 'Incoming', callerName: '=HYPERLINK("x")' });
      await popup(relay, { ivrid: 'C1', extenUser: 'A1', phone: '0501111111', status: 'Hangup', direction: 'Incoming', cause: 'NO ANSWER' });
      await popup(relay, { ivrid: 'C2', extenUser: 'A2', phone: '0502222222', status: 'Ringing', direction: 'Incoming' });
      await popup(relay, { ivrid: 'C2', extenUser: 'A2', phone: '0502222222', status: 'Talking', direction: 'Incoming' });
      await popup(relay, { ivrid: 'C2', extenUser: 'A2', phone: '0502222222', status: 'Hangup', direction: 'Incoming', cause: 'NORMAL' });
    });

    it('finds a call by its number in any form, whatever form Voicenter sent', async () => {
      await popup(relay, { ivrid: 'C3', extenUser: 'A1', phone: '972547788990', status: 'Ringing', direction: 'Incoming' });
      const c = await Console.signIn(relay);
      for (const number of ['054-778-8990', '0547788990', '+972 54-778-8990', '972547788990', '778-8990']) {
        const found = ((await c.call(`/calls?number=${encodeURIComponent(number)}`)).body as LoggedCall[]).map((r) => r.ivrid);
        expect({ number, found }).toEqual({ number, found: ['C3'] });
      }
    });

    it('filters by number, agent and missed', async () => {
      const c = await Console.signIn(relay);
      const ids = async (q: string) => ((await c.call(`/calls${q}`)).body as LoggedCall[]).map((r) => r.ivrid);
      expect(await ids('')).toEqual(expect.arrayContaining(['C1', 'C2']));
      expect(await ids('?number=050-111')).toEqual(['C1']);
      expect(await ids('?agent=A2')).toEqual(['C2']);
      expect(await ids('?missed=1')).toEqual(['C1']);
      const all = (await c.call('/calls')).body as LoggedCall[];
      expect(all.find((r) => r.ivrid === 'C2')).toMatchObject({ outcome: 'answered', answeredBy: 'A2', stations: ['A2'] });
      const today = new Date().toISOString().slice(0, 10);
      expect(await ids(`?from=${today}&to=${today}`)).toHaveLength(2);
      expect(await ids('?from=2001-01-01&to=2001-01-02')).toEqual([]);
      expect((await c.call('/calls?from=yesterday')).status).toBe(400);
    });

    it('exports CSV that a spreadsheet opens safely', async () => {
      const c = await Console.signIn(relay);
      const res = await c.call('/calls.csv?missed=1');
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('text/csv; charset=utf-8');
      expect(res.headers.get('content-disposition')).toMatch(/^attachment; filename="?calls-\d{4}-\d{2}-\d{2}\.csv"?$/);
      const rows = parseCsv<Record<string, string>>(res.text, { bom: true, columns: true });
      expect(rows).toHaveLength(1);
      expect(rows[0]).toMatchObject({ ivrid: 'C1', outcome: 'missed', callerName: `'=HYPERLINK("x")`, stations: 'A1' });
    });
    it('neutralises every text cell a spreadsheet would run as a formula, from any field of the request', async () => {
      const c = await Console.signIn(relay);
      await relay.agents.add('=cmd|1', '', 'pw');
      const attack = { ivrid: '-SUM', phone: '=HYPERLINK("http://evil.example/1","x")', extenUser: '=cmd|1', status: 'Ringing', callerName: '-2+3' };
      expect((await popup(relay, attack)).status).toBe(200);
      await popup(relay, { ivrid: 'plain-1', phone: '+972-54-778-8990', extenUser: 'A1', status: 'Ringing', callerName: '-5' });
      const rows = parseCsv<Record<string, string>>((await c.call('/calls.csv')).text, { bom: true, columns: true });
      const attacked = rows.find((r) => r.ivrid === `'-SUM`);
      expect(attacked).toMatchObject({ phone: `'=HYPERLINK("http://evil.example/1","x")`, stations: `'=cmd|1`, callerName: `'-2+3` });
      // Numbers and phone numbers stay as they are.
      expect(rows.find((r) => r.ivrid === 'plain-1')).toMatchObject({ phone: '+972-54-778-8990', e164: '+972547788990', callerName: '-5' });
      for (const row of rows) for (const cell of Object.values(row)) expect(cell).not.toMatch(/^[=@\t\r]/);
    });
  });

  describe('agents', () => {
    it('imports agents from a CSV after a preview, naming bad lines, with generated passwords once', async () => {
      const c = await Console.signIn(relay);
      const csv = 'extenUser,name,password\nIMP1,Dana,\nIMP2,Avi,password-two\nbad user,X,\n';
      const preview = (await c.call('/agents/import?dryRun=1', { method: 'POST', body: csv, type: 'text/csv' })).body;
      expect(preview).toMatchObject({ good: 2, added: 0, bad: [{ line: 4 }], generated: [] });
      expect(await relay.agents.get('IMP1')).toBeUndefined();
      const done = (await c.call('/agents/import', { method: 'POST', body: csv, type: 'text/csv' })).body;
      expect(done).toMatchObject({ good: 2, added: 2, bad: [{ line: 4 }] });
      expect(done.generated).toHaveLength(1);
      expect(await signIn(relay, 'IMP1', done.generated[0].password)).toMatch(/\S/);
      expect((await c.call('/agents/import', { method: 'POST', body: 'who\n1\n', type: 'text/csv' })).status).toBe(400);
    });

    it('adds an agent with a generated password the agent can sign in with', async () => {
      const c = await Console.signIn(relay);
      const added = await c.call('/agents', { method: 'POST', json: { extenUser: 'A7', name: 'Noa' } });
      expect(added.status).toBe(201);
      expect(await signIn(relay, 'A7', added.body.password)).toBeTruthy();
      expect((await c.call('/agents', { method: 'POST', json: { extenUser: 'A7' } })).status).toBe(409);
      expect((await c.call('/agents', { method: 'POST', json: { extenUser: 'has space' } })).status).toBe(400);
    });

    it('disabling an agent signs its browsers out at once; a new password too', async () => {
      await relay.agents.add('A1', 'Dana', 'pw');
      const c = await Console.signIn(relay);
      const agent = await AgentClient.connect(relay, await signIn(relay, 'A1', 'pw'));
      expect((await c.call('/agents/A1', { method: 'PATCH', json: { enabled: false } })).body).toMatchObject({ enabled: false });
      expect(await agent.closed()).toBe(4001);
      expect(((await c.call('/agents')).body as FloorAgent[])[0]).toMatchObject({ extenUser: 'A1', enabled: false });

      await c.call('/agents/A1', { method: 'PATCH', json: { enabled: true } });
      const again = await AgentClient.connect(relay, await signIn(relay, 'A1', 'pw'));
      const { body } = await c.call('/agents/A1/password', { method: 'POST', json: {} });
      expect(await again.closed()).toBe(4001);
      expect(await signIn(relay, 'A1', body.password)).toBeTruthy();
      expect((await c.call('/agents/nobody/password', { method: 'POST', json: {} })).status).toBe(404);
    });
  });

  describe('the directory', () => {
    const CSV = 'name,company,phone,id\nDana Levi,Acme,050-1234567,c1\n,No name,0501111111,c2\nנועה כהן,בע"מ,03-1234567,c3\n';

    it('previews an upload without writing, then imports it, reporting the bad row by line', async () => {
      const c = await Console.signIn(relay);
      const preview = (await c.call('/contacts/import?dryRun=1', { method: 'POST', body: CSV, type: 'text/csv' })).body as ImportPreview;
      expect(preview).toEqual({ good: 2, added: 0, updated: 0, bad: [{ line: 3, reason: 'name is empty' }] });
      expect(await relay.directory.count()).toBe(0);
      const done = (await c.call('/contacts/import', { method: 'POST', body: CSV, type: 'text/csv' })).body as ImportPreview;
      expect(done).toMatchObject({ good: 2, added: 2, updated: 0 });
      const huge = await c.call('/contacts/import', { method: 'POST', body: 'x'.repeat(21 * 1024 * 1024), type: 'text/csv' });
      expect(huge.status).toBe(413);
      expect(huge.body.ERROR).toBe('the body is larger than 20 MB');
      const bad = await c.call('/contacts/import', { method: 'POST', body: 'who,what\n1,2\n', type: 'text/csv' });
      expect(bad.status).toBe(400);
      expect(bad.body.ERROR).toMatch(/no name, company, phone column/);
    });

    it('searches by name, company or number, and edits a contact so lookups follow', async () => {
      const c = await Console.signIn(relay);
      await c.call('/contacts/import', { method: 'POST', body: CSV, type: 'text/csv' });
      const find = async (q: string) => ((await c.call(`/contacts?q=${encodeURIComponent(q)}`)).body as { contacts: DirectoryEntry[] }).contacts;
      expect((await find('acme')).map((e) => e.name)).toEqual(['Dana Levi']);
      expect((await find('כהן')).map((e) => e.id)).toEqual(['c3']);
      expect((await find('1234567')).map((e) => e.id).sort()).toEqual(['c1', 'c3']);
      expect(await find('100%')).toEqual([]);

      const dana = (await find('Dana'))[0]!;
      const edited = await c.call(`/contacts/${dana.key}`, { method: 'PUT', json: { name: 'Dana Cohen', company: 'Acme', url: 'https://crm.example/1', phones: ['0527654321'] } });
      expect(edited.body).toMatchObject({ id: 'c1', name: 'Dana Cohen', phones: ['0527654321'] });
      const { body } = await popup(relay, { ivrid: 'E1', extenUser: 'A1', phone: '972527654321', status: 'Ringing', direction: 'Incoming' });
      expect(body).toMatchObject({ CLIENTNAME: 'Dana Cohen', URL: 'https://crm.example/1' });
      expect((await c.call(`/contacts/${dana.key}`, { method: 'PUT', json: { name: '', phones: [] } })).status).toBe(400);
      expect((await c.call('/contacts/999999', { method: 'PUT', json: { name: 'X', phones: ['1234'] } })).status).toBe(404);
    });
  });

  describe('sources and settings', () => {
    it('lists the chain and tests a number with its trace', async () => {
      await relay.directory.upsert({ id: 'c1', name: 'Dana', company: 'Acme', url: '', phones: ['0501234567'] });
      const c = await Console.signIn(relay);
      expect((await c.call('/sources')).body).toEqual([{ name: 'directory', kind: 'directory', local: true, circuit: 'closed', retryInSeconds: null, problem: '' }]);
      const tested = await c.call('/sources/test', { method: 'POST', json: { phone: '+972-50-123-4567' } });
      expect(tested.body.answer).toEqual({ STATUS: 'OK', URL: '', CLIENTNAME: 'Dana', TOTAL: 1, COMPANY: 'Acme' });
      expect(tested.body.steps).toEqual([expect.objectContaining({ source: 'directory', outcome: 'matched' })]);
    });

    it('rotates the pop-up token: the old URL stops working, the new one works', async () => {
      const c = await Console.signIn(relay);
      const before = (await c.call('/settings')).body as Settings;
      expect(before).toMatchObject({ popupUrl: relay.popupUrl, tokenFromEnvironment: false, extensionId: 'hpgllcagpmlblacglfdepplhomfbghgg' });
      // This installation's own signing key gives another id, accepted as an origin without a setting.
      expect(before.installationExtensionId).toMatch(/^[a-p]{32}$/);
      expect(before.installationExtensionId).toBe(relay.installationExtensionId);
      expect(before.extensionOrigins).toContain(`chrome-extension://${before.installationExtensionId}`);
      const after = (await c.call('/settings/rotate-token', { method: 'POST' })).body as Settings;
      expect(after.popupUrl).not.toBe(before.popupUrl);
      const fields = { ivrid: 'T1', extenUser: 'A1', phone: '0501234567', status: 'Ringing' };
      expect((await popup({ popupUrl: before.popupUrl }, fields)).status).toBe(404);
      expect((await popup({ popupUrl: after.popupUrl }, fields)).status).toBe(200);
    });

    it('will not rotate a token the environment sets', async () => {
      const fixed = await startRelay({ RELAY_VOICENTER_TOKEN: 'a-token-from-the-environment' });
      try {
        await fixed.admins.setPassword('admin', PASSWORD);
        const c = await Console.signIn(fixed);
        expect((await c.call('/settings/rotate-token', { method: 'POST' })).status).toBe(409);
      } finally {
        await fixed.stop();
      }
    });
  });
});
