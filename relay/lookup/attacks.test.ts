import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { parsePhone } from '../../shared/phone';
import { LookupChain } from './chain';
import { MAX_RECORDS } from './records';
import { voicenterForwardSource, type Source } from './sources';
import { found, json, nobody, restSource, testServer, type TestServer } from '../tests/crm-servers';
import { popup, startRelay } from '../tests/helpers';
import { Console, PASSWORD } from '../tests/console-client';
import { DEFAULT_LOOKUP } from './config';

/** What a CRM (or whoever answers in its name) can make the relay do: redirects, links, and input that trips a breaker. */

const phone = parsePhone('0722776772', 'IL');
let servers: TestServer[] = [];
let logged: string[] = [];
const log = pino({ level: 'warn' }, { write: (line: string) => void logged.push(line) });

afterEach(async () => {
  await Promise.all(servers.map((s) => s.close()));
  servers = [];
  logged = [];
});

async function crm(handler: Parameters<typeof testServer>[0]): Promise<TestServer> {
  const server = await testServer(handler);
  servers.push(server);
  return server;
}

const chain = (sources: Source[]) => new LookupChain({ sources, cache: null, searchUrl: '', circuit: { failures: 3, cooldownMs: 60_000 }, log });

describe('a CRM that redirects', () => {
  it('is not followed to another host, which never sees the credentials', async () => {
    const internal = await crm(found('Internal secret'));
    const evil = await crm((_r, res) => void res.writeHead(302, { location: `${internal.url}/internal/secret` }).end());
    const { identity, steps } = await chain([restSource('crm', evil.url, { headers: { 'x-api-key': 'KEY-123' } })]).trace(phone);
    expect(internal.requests).toEqual([]);
    expect(identity.status).toBe('unknown');
    expect(steps[0]).toMatchObject({ outcome: 'error', detail: expect.stringMatching(/^HTTP 302: redirect to another site refused \(127\.0\.0\.1:\d+\)$/) as string });
  });

  it('is followed within its own origin, with the credentials', async () => {
    const server = await crm((req, res) => {
      if (req.path === '/contacts') return void res.writeHead(301, { location: '/v2/contacts?moved=1' }).end();
      found('Dana')(req, res);
    });
    const { identity } = await chain([restSource('crm', server.url)]).trace(phone);
    expect(identity).toMatchObject({ status: 'found', name: 'Dana' });
    expect(server.requests.map((r) => [r.path, r.headers.authorization])).toEqual([
      ['/contacts', 'Bearer SECRET-TOKEN-123'],
      ['/v2/contacts', 'Bearer SECRET-TOKEN-123'],
    ]);
  });

  it('is not followed at all when the source says redirects: none', async () => {
    const server = await crm((req, res) => (req.path === '/contacts' ? void res.writeHead(302, { location: '/elsewhere' }).end() : found('Dana')(req, res)));
    const { steps } = await chain([restSource('crm', server.url, { redirects: 'none' })]).trace(phone);
    expect(steps[0]).toMatchObject({ outcome: 'error', detail: 'HTTP 302: redirects are off for this source' });
    expect(server.requests).toHaveLength(1);
  });
});

describe('a link from a CRM that is not http(s)', () => {
  it.each(['javascript:alert(document.cookie)', 'data:text/html,<script>alert(1)</script>', 'file:///etc/passwd', 'chrome://settings', 'JaVaScRiPt:alert(1)'])(
    'is dropped and logged: %s',
    async (link) => {
      const server = await crm((_r, res) => json(res, { data: [{ id: 7, name: 'Dana', link }] }));
      const { identity } = await chain([restSource('crm', server.url, { response: { items: '$.data[*]', name: '$.name', id: '$.id', url: '$.link' } })]).trace(phone);
      expect(identity).toMatchObject({ status: 'found', name: 'Dana', url: '' });
      expect(logged.join('\n')).toContain('dropped a link that is not http(s)');
    },
  );

  it("never reaches Voicenter's answer, the call log or the agent from a forwarded endpoint", async () => {
    const legacy = await crm((_r, res) => json(res, { STATUS: 'OK', URL: 'javascript:fetch("//evil")', CLIENTNAME: 'Legacy Dana', TOTAL: 1, COMPANY: 'Old Co' }));
    const relay = await startRelay({}, { lookup: { budgetMs: 2_000, cache: { positiveTtlMs: 1, negativeTtlMs: 1, staleMs: 1, maxEntries: 10 }, circuit: { failures: 3, cooldownMs: 1_000 }, sources: [{ kind: 'voicenter-forward', name: 'legacy', url: legacy.url, format: 'json', timeoutMs: 1_000, redirects: 'same-origin' }] } });
    try {
      const answer = await popup(relay, { ivrid: 'link-1', phone: '0722776772', status: 'Ringing' });
      expect(answer.body).toEqual({ STATUS: 'OK', URL: '', CLIENTNAME: 'Legacy Dana', TOTAL: 1, COMPANY: 'Old Co' });
      const logged = relay.db!.prepare('SELECT identity FROM calls WHERE ivrid = ?').get('link-1') as { identity: string };
      expect(JSON.parse(logged.identity)).toMatchObject({ name: 'Legacy Dana', url: '' });
    } finally {
      await relay.stop();
    }
  });
});

describe('input that would trip a CRM circuit breaker', () => {
  it('sends a number with letters in a header template cleaned, and never opens the circuit', async () => {
    const server = await crm((req, res) => (req.headers['x-search'] === '0722776772' ? found('Real caller')(req, res) : nobody(req, res)));
    const c = chain([restSource('crm', server.url, { headers: { 'x-search': '{phone}' } })]);
    for (let i = 0; i < 5; i++) {
      const { steps } = await c.trace(parsePhone(`05ש${i}\r\nX-Evil: 1`, 'IL'), false);
      expect(steps[0]!.outcome).not.toBe('error');
    }
    expect(c.circuits()).toEqual({ crm: 'closed' });
    expect(server.requests.map((r) => r.headers['x-search'])).toEqual(['050X-Evil: 1', '051X-Evil: 1', '052X-Evil: 1', '053X-Evil: 1', '054X-Evil: 1']);
    expect((await c.trace(phone)).identity).toMatchObject({ name: 'Real caller' });
  });

  it('does not count a CRM refusing the request (400, 422) against it, but does count 5xx', async () => {
    const refusing = await crm((_r, res) => json(res, { error: 'invalid search term' }, 400));
    const c = chain([restSource('crm', refusing.url)]);
    for (let i = 0; i < 5; i++) expect((await c.trace(phone)).steps[0]).toMatchObject({ outcome: 'error', detail: 'HTTP 400' });
    expect(c.circuits()).toEqual({ crm: 'closed' });
    const failing = await crm((_r, res) => json(res, {}, 502));
    const d = chain([restSource('crm', failing.url)]);
    for (let i = 0; i < 3; i++) await d.trace(phone);
    expect(d.circuits()).toEqual({ crm: 'open' });
  });

  it('ends a half-open trial that a higher source made unnecessary (the circuit does not stay stuck)', async () => {
    let now = 0;
    let firstKnows = false;
    const first = await crm((req, res) => (firstKnows ? found('First')(req, res) : nobody(req, res)));
    const failing = await crm((_r, res) => json(res, {}, 503));
    const c = new LookupChain({ sources: [restSource('first', first.url), restSource('second', failing.url)], cache: null, searchUrl: '', circuit: { failures: 1, cooldownMs: 1_000 }, log, now: () => now });
    await c.trace(phone);
    expect(c.circuits().second).toBe('open');
    now += 2_000;
    firstKnows = true;
    await c.trace(phone); // the half-open trial of "second" is cut short: "first" matched
    firstKnows = false;
    const { steps } = await c.trace(phone);
    expect(steps.find((s) => s.source === 'second')).toMatchObject({ outcome: 'error', detail: 'HTTP 503' });
  });
});

describe('a voicenter-forward source', () => {
  it('does not forward its credentials through a redirect to another host either', async () => {
    const other = await crm(found('x'));
    const legacy = await crm((_r, res) => void res.writeHead(307, { location: `${other.url}/steal` }).end());
    const source = voicenterForwardSource({ name: 'legacy', url: `${legacy.url}/popup?key=abc`, format: 'json', timeoutMs: 500, maxBytes: 65536 });
    const { steps } = await chain([source]).trace(phone);
    expect(steps[0]).toMatchObject({ outcome: 'error' });
    expect(other.requests).toEqual([]);
  });
});

/**
 * A search that matches far too much (a term the CRM reads loosely): an answer just under 1 MB
 * holding 20,000 records. Checking every record's numbers held the event loop some 1.5 s per
 * lookup, and eight calls at once were answered after Voicenter's budget.
 */
describe('a CRM answering 20,000 records, just under 1 MB', () => {
  const callers = Array.from({ length: 8 }, (_, i) => `05012345${String(i).padStart(2, '0')}`);
  /** The eight callers first, then records of other numbers ending alike; `late` is a caller past the cap. */
  const late = '0549999999';
  const records: { id: number; name: string; org?: string; phone: string }[] = [
    ...callers.map((phone, i) => ({ id: i, name: `Caller ${i}`, org: 'Acme', phone })),
    ...Array.from({ length: 20_000 - callers.length - 1 }, (_, i) => ({ id: 100 + i, name: `O${i}`, phone: `+1212${String(i).padStart(7, '0')}` })),
  ];
  records.splice(MAX_RECORDS + 50, 0, { id: 99, name: 'Too late', org: 'Acme', phone: late });
  const body = JSON.stringify({ data: records });
  const wide = (url: string) => ({ response: { items: '$.data[*]', name: '$.name', company: '$.org', id: '$.id', phone: '$.phone' }, maxBytes: 1024 * 1024, timeoutMs: 5_000, url: `${url}/contacts` });

  it('holds 20,000 records in under 1 MB (the attack as reported)', () => {
    expect(records).toHaveLength(20_000);
    expect(Buffer.byteLength(body)).toBeGreaterThan(900_000);
    expect(Buffer.byteLength(body)).toBeLessThan(1024 * 1024);
  });

  it('reads only the first 100 records: a caller among them is named, one past them is not, and the trace says how many were not read', async () => {
    const server = await crm((_r, res) => void res.writeHead(200, { 'content-type': 'application/json' }).end(body));
    const c = chain([restSource('crm', server.url, wide(server.url))]);
    const named = await c.trace(parsePhone(callers[3], 'IL'));
    expect(named.identity).toMatchObject({ status: 'found', name: 'Caller 3' });
    expect(named.steps[0]).toMatchObject({ outcome: 'matched', records: { returned: 20_000, read: MAX_RECORDS } });
    expect(named.steps[0]!.candidates).toHaveLength(MAX_RECORDS);
    const past = await c.trace(parsePhone(late, 'IL'));
    expect(past.identity.status).toBe('unknown');
    expect(past.steps[0]).toMatchObject({ outcome: 'none', records: { returned: 20_000, read: MAX_RECORDS } });
  });

  it("answers eight calls at once naming each caller, a directory caller beside them too, and the console's Test a number says what was not read", async () => {
    const server = await crm((_r, res) => void res.writeHead(200, { 'content-type': 'application/json' }).end(body));
    const source = { kind: 'http' as const, name: 'Wide CRM', method: 'GET' as const, query: { phone: '{e164}' }, headers: {}, auth: { type: 'none' as const }, params: {}, recordUrl: '', searchUrl: '', match: 'exact' as const, suffixDigits: 9, redirects: 'same-origin' as const, ...wide(server.url) };
    // Voicenter's budget at its most, and no cache: every call's lookup reads the whole answer.
    const relay = await startRelay({}, { lookup: { ...DEFAULT_LOOKUP, budgetMs: 2_900, cache: { positiveTtlMs: 1, negativeTtlMs: 1, staleMs: 1, maxEntries: 10 }, sources: [{ kind: 'directory', name: 'directory' }, source] } });
    try {
      await relay.directory.upsert({ id: 'd-1', name: 'Noa Bar', company: 'Globex', url: '', phones: ['0529999999'] });
      const answers = await Promise.all([
        ...callers.map((phone, i) => popup(relay, { ivrid: `wide-${i}`, phone, status: 'Ringing' })),
        popup(relay, { ivrid: 'wide-directory', phone: '0529999999', status: 'Ringing' }),
      ]);
      expect(answers.map((a) => [a.status, a.body.CLIENTNAME])).toEqual([...callers.map((_, i) => [200, `Caller ${i}`]), [200, 'Noa Bar']]);
      await relay.admins.setPassword('admin', PASSWORD);
      const tested = await (await Console.signIn(relay)).call('/sources/test', { method: 'POST', json: { phone: late } });
      expect(tested.body.steps).toEqual([
        expect.objectContaining({ source: 'directory', outcome: 'none' }),
        expect.objectContaining({ source: 'Wide CRM', outcome: 'none', records: { returned: 20_000, read: MAX_RECORDS } }),
      ]);
      expect(tested.body.steps[1].candidates).toHaveLength(MAX_RECORDS);
    } finally {
      await relay.stop();
    }
  });
});

