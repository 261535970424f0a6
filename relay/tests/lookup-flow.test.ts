import { afterEach, describe, expect, it } from 'vitest';
import type { ServerMessage } from '../../shared/messages';
import { DEFAULT_LOOKUP, type LookupConfig } from '../lookup/config';
import { AgentClient, popup, signIn, startRelay, type TestRelay } from './helpers';
import { Console, PASSWORD } from './console-client';
import { json, testServer, type TestServer } from './crm-servers';

let relay: TestRelay | undefined;
let crm: TestServer | undefined;
afterEach(async () => {
  await relay?.stop();
  await crm?.close();
});

function config(url: string, timeoutMs: number): LookupConfig {
  return {
    ...DEFAULT_LOOKUP,
    budgetMs: 300,
    sources: [
      { kind: 'directory', name: 'directory' },
      {
        kind: 'http',
        name: 'Slow CRM',
        method: 'GET',
        url: `${url}/contacts`,
        query: { phone: '{e164}' },
        headers: {},
        auth: { type: 'none' },
        params: {},
        response: { items: '$[*]', name: '$.name', company: '$.company', id: '$.id' },
        recordUrl: `${url}/contacts/{id}`,
        searchUrl: '',
        match: 'exact',
        suffixDigits: 9,
        timeoutMs,
        maxBytes: 65536,
      },
    ],
  };
}

describe('a CRM slower than Voicenter waits', () => {
  it('answers Voicenter within the budget, then updates the agent when the CRM answers', async () => {
    let answer!: () => void;
    crm = await testServer((_req, res) => {
      answer = () => json(res, [{ id: 5, name: 'Late Dana', company: 'Slow Co' }]);
    });
    relay = await startRelay({}, { lookup: config(crm.url, 5_000) });
    await relay.agents.add('A1', '', 'pw');
    const agent = await AgentClient.connect(relay, await signIn(relay, 'A1', 'pw'));
    const started = performance.now();
    const { body } = await popup(relay, { ivrid: 'slow-1', extenUser: 'A1', phone: '0722776772', status: 'Ringing' });
    const tookMs = performance.now() - started;
    expect(body).toEqual({ STATUS: 'OK', URL: '', CLIENTNAME: '', TOTAL: 0, COMPANY: '' });
    expect(tookMs).toBeGreaterThanOrEqual(290);
    const ringing = await agent.next((m) => m.type === 'call');
    expect(ringing.type === 'call' && ringing.call.identity.status).toBe('pending');
    answer();
    const update = await agent.next((m): m is Extract<ServerMessage, { type: 'identity' }> => m.type === 'identity');
    expect(update.identity).toMatchObject({ status: 'found', name: 'Late Dana', source: 'Slow CRM', how: 'exact number' });
    // The next call from that number is answered from the cache, at once.
    const again = await popup(relay, { ivrid: 'slow-2', extenUser: 'A1', phone: '972722776772', status: 'Ringing' });
    expect(again.body).toMatchObject({ CLIENTNAME: 'Late Dana', COMPANY: 'Slow Co' });
    expect(crm.requests).toHaveLength(1);
    agent.close();
  });

  it('answers a burst of calls within the budget while a source hangs, never with an error', async () => {
    crm = await testServer(() => undefined);
    relay = await startRelay({}, { lookup: config(crm.url, 1_000) });
    const answers = await Promise.all(
      Array.from({ length: 30 }, (_, i) => popup(relay!, { ivrid: `hang-${i}`, phone: `05012345${String(i).padStart(2, '0')}`, status: 'Ringing' })),
    );
    for (const { status, body } of answers) expect({ status, STATUS: body.STATUS }).toEqual({ status: 200, STATUS: 'OK' });
    expect(crm.requests).toHaveLength(30);
  });
});

describe("what a source did, for the supervisor", () => {
  it('Test a number lists every record returned, kept or dropped and why; a failing source is said in words on the Sources page and /readyz', async () => {
    let refuse = false;
    crm = await testServer((_req, res) =>
      refuse
        ? json(res, { message: 'token expired' }, 401)
        : json(res, [
            { id: 4, name: 'Near Miss', company: 'Other', phones: ['072-277-6771'] },
            { id: 5, name: 'Dana', company: 'Acme', phones: ['+972 72-277-6772', '050-000-0000'] },
          ]),
    );
    const lookup = config(crm.url, 2_000);
    const http = lookup.sources[1]!;
    if (http.kind === 'http') http.response.phone = '$.phones[*]';
    relay = await startRelay({}, { lookup });
    await relay.admins.setPassword('admin', PASSWORD);
    const c = await Console.signIn(relay);
    const tested = await c.call('/sources/test', { method: 'POST', json: { phone: '0722776772' } });
    expect(tested.body.identity).toMatchObject({ status: 'found', name: 'Dana', total: 1 });
    expect(tested.body.steps[1].candidates).toEqual([
      { name: 'Near Miss', company: 'Other', id: '4', numbers: ['072-277-6771'], kept: false, why: "none of its numbers (072-277-6771) is the caller's" },
      { name: 'Dana', company: 'Acme', id: '5', numbers: ['+972 72-277-6772', '050-000-0000'], kept: true, why: "+972 72-277-6772 is the caller's number" },
    ]);

    refuse = true;
    await c.call('/sources/test', { method: 'POST', json: { phone: '0501111111' } });
    const problem = 'the CRM refused the credentials — expired or wrong token (HTTP 401)';
    expect((await c.call('/sources')).body[1]).toMatchObject({ name: 'Slow CRM', problem });
    const ready = (await (await fetch(`${relay.url}/readyz`)).json()) as Record<string, unknown>;
    expect(ready.sourceProblems).toEqual({ 'Slow CRM': problem });
  });
});
