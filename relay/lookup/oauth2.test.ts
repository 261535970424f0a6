import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { parsePhone } from '../../shared/phone';
import { json, restSource, testServer, type TestServer } from '../tests/crm-servers';
import { endlessServer, NEAR_THE_CAP } from '../tests/endless-answer';
import { LookupChain } from './chain';
import { OAuth2Token } from './oauth2';

/**
 * OAuth 2 refresh against a local token endpoint answering as RFC 6749 §5.1/§5.2 documents (and as
 * Zoho's https://www.zoho.com/crm/developer/docs/api/v8/refresh.html shows: access_token, expires_in,
 * api_domain, token_type; 400 {"error":"invalid_grant"} for a bad refresh token), and a CRM that
 * answers 401 to any token that is not the newest.
 */
let servers: TestServer[] = [];
afterEach(async () => {
  await Promise.all(servers.map((s) => s.close()));
  servers = [];
});

async function tokenEndpoint(options: { refuse?: boolean; expiresIn?: number; hold?: () => Promise<void> } = {}) {
  let issued = 0;
  const server = await testServer(async (req, res) => {
    const form = new URLSearchParams(req.body);
    if (options.refuse || form.get('refresh_token') !== 'refresh-1' || form.get('client_secret') !== 'client-secret') return json(res, { error: 'invalid_grant' }, 400);
    issued++;
    const access = `access-${issued}`;
    await options.hold?.();
    json(res, { access_token: access, expires_in: options.expiresIn ?? 3600, api_domain: 'https://www.zohoapis.com', token_type: 'Bearer' });
  });
  servers.push(server);
  return { server, latest: () => `access-${issued}` };
}

/** Polls until the condition holds, within a deadline (a test waits on what happens, never for a time). */
async function until(condition: () => boolean, ms = 5_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setImmediate(resolve));
  }
}

const auth = (tokenUrl: string) => ({ type: 'oauth2-refresh' as const, tokenUrl, clientId: 'client-1', clientSecret: 'client-secret', refreshToken: 'refresh-1' });
const phone = parsePhone('0722776772', 'IL');

function chainOf(source: ReturnType<typeof restSource>, lines: string[] = []) {
  return new LookupChain({ sources: [source], cache: null, searchUrl: '', circuit: { failures: 5, cooldownMs: 30_000 }, log: pino({ level: 'warn' }, { write: (l: string) => void lines.push(l) }) });
}

describe('OAuth 2 refresh-token auth', () => {
  it('fetches the token with the refresh grant, keeps it until a minute before it expires, then renews it', async () => {
    const { server } = await tokenEndpoint();
    let now = 1_000_000;
    const token = new OAuth2Token(auth(`${server.url}/oauth/v2/token`), () => now);
    expect(await token.header()).toBe('Bearer access-1');
    expect(Object.fromEntries(new URLSearchParams(server.requests[0]!.body))).toEqual({ grant_type: 'refresh_token', refresh_token: 'refresh-1', client_id: 'client-1', client_secret: 'client-secret' });
    expect(server.requests[0]!.headers['content-type']).toBe('application/x-www-form-urlencoded');
    now += 3_530_000;
    expect(await token.header()).toBe('Bearer access-1');
    now += 20_000;
    expect(await token.header()).toBe('Bearer access-2');
    expect(token.renewals).toBe(2);
  });

  it('a token that lives 2 s: twenty lookups over its life cost two renewals (the last tenth renews it), a burst just after it expired one more', async () => {
    let release = () => {};
    let held: Promise<void> | null = null;
    const { server } = await tokenEndpoint({ expiresIn: 2, hold: () => held ?? Promise.resolve() });
    const start = 1_000_000;
    let now = start;
    const token = new OAuth2Token(auth(`${server.url}/token`), () => now);
    // Twenty calls ringing one every 100 ms, each looked up as it arrives: the token is used for
    // nine tenths of its life (0–1,700 ms) and renewed in the last tenth (1,800 ms).
    const seen: string[] = [];
    for (let i = 0; i < 20; i++) {
      now = start + i * 100;
      seen.push(await token.header());
    }
    expect(seen).toEqual([...Array<string>(18).fill('Bearer access-1'), 'Bearer access-2', 'Bearer access-2']);
    expect(server.requests).toHaveLength(2);
    // access-2 (from 1,800 ms) has just expired, and twenty lookups arrive while its renewal is on
    // its way: ten before the token endpoint has the request, ten once it has it, before it answers.
    now = start + 1_800 + 2_000;
    held = new Promise<void>((resolve) => (release = resolve));
    const waiting = Array.from({ length: 10 }, () => token.header());
    await until(() => server.requests.length === 3);
    waiting.push(...Array.from({ length: 10 }, () => token.header()));
    release();
    expect(await Promise.all(waiting)).toEqual(Array(20).fill('Bearer access-3'));
    expect(server.requests).toHaveLength(3);
    expect(token.renewals).toBe(3);
  });

  it('twenty lookups at once with no token yet: one renewal, all answered', async () => {
    const { server, latest } = await tokenEndpoint();
    const crm = await testServer((req, res) => (req.headers.authorization === `Bearer ${latest()}` ? json(res, { data: [{ id: 1, name: 'Dana', org: 'Acme' }] }) : json(res, {}, 401)));
    servers.push(crm);
    const chain = chainOf(restSource('crm', crm.url, { auth: auth(`${server.url}/token`) }));
    const answers = await Promise.all(Array.from({ length: 20 }, () => chain.trace(phone, false)));
    expect(answers.every((a) => a.identity.name === 'Dana')).toBe(true);
    expect(server.requests).toHaveLength(1);
  });

  it('a token the CRM no longer takes (401): renewed once however many lookups saw the 401, and asked again', async () => {
    const { server, latest } = await tokenEndpoint();
    let valid = '';
    const crm = await testServer((req, res) => (req.headers.authorization === `Bearer ${valid}` ? json(res, { data: [{ id: 1, name: 'Dana', org: 'Acme' }] }) : json(res, {}, 401)));
    servers.push(crm);
    const chain = chainOf(restSource('crm', crm.url, { auth: auth(`${server.url}/token`) }));
    valid = 'access-1';
    expect((await chain.trace(phone, false)).identity.name).toBe('Dana');
    // The CRM revokes access-1 (the token's hour is up on its side first).
    valid = 'access-2';
    const answers = await Promise.all(Array.from({ length: 10 }, () => chain.trace(phone, false)));
    expect(answers.map((a) => a.identity.name)).toEqual(Array(10).fill('Dana'));
    expect(server.requests).toHaveLength(2);
    expect(latest()).toBe('access-2');
  });

  it('a refresh that fails: the caller is unknown, and the problem is said without secrets (source health, log)', async () => {
    const { server } = await tokenEndpoint({ refuse: true });
    const crm = await testServer((_req, res) => json(res, { data: [] }));
    servers.push(crm);
    const lines: string[] = [];
    const chain = chainOf(restSource('crm', crm.url, { auth: auth(`${server.url}/token`) }), lines);
    const traced = await chain.trace(phone, false);
    expect(traced.identity.status).toBe('unknown');
    expect(traced.steps[0]).toMatchObject({ outcome: 'error', detail: expect.stringContaining('invalid_grant') });
    expect(chain.health()[0]!.problem).toContain('the refresh token is expired or revoked');
    expect(crm.requests).toHaveLength(0);
    for (const secret of ['client-secret', 'refresh-1']) expect([...lines, chain.health()[0]!.problem].join('\n')).not.toContain(secret);
  });

  it('a token endpoint whose answer never ends: read no further than 64 KB, and the lookup fails in words', async () => {
    const endless = await endlessServer();
    servers.push({ ...endless, requests: [] });
    const crm = await testServer((_req, res) => json(res, { data: [{ id: 1, name: 'Dana' }] }));
    servers.push(crm);
    const chain = chainOf(restSource('crm', crm.url, { auth: auth(`${endless.url}/token`), timeoutMs: 30_000 }));
    const before = process.memoryUsage();
    const traced = await chain.trace(phone, false);
    const after = process.memoryUsage();
    expect(traced.identity.status).toBe('unknown');
    expect(traced.steps[0]).toMatchObject({ outcome: 'error', detail: expect.stringMatching(/^the token endpoint's answer \(127\.0\.0\.1:\d+\) cannot be read: answer larger than 65536 bytes$/) as string });
    expect(chain.health()[0]!.problem).toContain('answer larger than 65536 bytes');
    // The relay closed the connection near the cap: the endpoint had no chance to pour more in.
    await endless.ended(1);
    expect([endless.cutOff(), endless.gaveUp()]).toEqual([1, 0]);
    expect(endless.sent()).toBeLessThan(NEAR_THE_CAP);
    expect(after.arrayBuffers + after.heapUsed - (before.arrayBuffers + before.heapUsed)).toBeLessThan(NEAR_THE_CAP * 4);
    expect(crm.requests).toHaveLength(0);
  });
});
