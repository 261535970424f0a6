import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { parsePhone } from '../../shared/phone';
import { LookupChain } from './chain';
import { voicenterForwardSource, type Source } from './sources';
import { found, json, nobody, restSource, testServer, type TestServer } from '../tests/crm-servers';
import { popup, startRelay } from '../tests/helpers';

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
