import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRelay, type TestRelay } from './helpers';

/**
 * Voicenter's requests take the lean path (Node's own HTTP, before Express: http/popup-fast-path.ts)
 * and are answered exactly as the Express route answers the same request — the same shared
 * endpoint behind both. A browser's request (with an Origin) goes to Express, for CORS.
 */
let relay: TestRelay;
let expressSaw = 0;

beforeAll(async () => {
  relay = await startRelay({ RELAY_TRUST_PROXY: 'loopback', RELAY_POPUP_ALLOW_IPS: ['127.0.0.1', '10.1.2.3'] });
  // Count what reaches Express at all (a middleware put first).
  relay.app.use((_req, _res, next) => {
    expressSaw++;
    next();
  });
  const stack = (relay.app as unknown as { router: { stack: unknown[] } }).router.stack;
  stack.unshift(stack.pop());
});
afterAll(() => relay.stop());

type Case = [what: string, method: string, headers: Record<string, string>, body: string | Buffer | undefined, query?: string];
const CASES: Case[] = [
  ['a JSON ringing', 'POST', { 'content-type': 'application/json' }, JSON.stringify({ ivrid: 'f1', phone: '0722776772', status: 'Ringing' })],
  ['a form ringing', 'POST', { 'content-type': 'application/x-www-form-urlencoded' }, 'ivrid=f2&phone=0722776772&status=Ringing'],
  ['a GET ringing', 'GET', {}, undefined, 'ivrid=f3&phone=0722776772&statusCall=Ringing'],
  ['a POST with the fields in the query', 'POST', {}, undefined, 'ivrid=f4&phone=0722776772&status=Ringing'],
  ['malformed JSON', 'POST', { 'content-type': 'application/json' }, '{"ivrid": '],
  ['a JSON string', 'POST', { 'content-type': 'application/json' }, '"ivrid"'],
  ['an empty JSON body', 'POST', { 'content-type': 'application/json' }, ''],
  ['a JSON list', 'POST', { 'content-type': 'application/json' }, '[1,2]'],
  ['a list where text belongs', 'POST', { 'content-type': 'application/json' }, '{"ivrid":"x","phone":["1"]}'],
  ['a body over 64 KB', 'POST', { 'content-type': 'application/json' }, JSON.stringify({ ivrid: 'x', pad: 'a'.repeat(70_000) })],
  ['too many form fields', 'POST', { 'content-type': 'application/x-www-form-urlencoded' }, Array.from({ length: 201 }, (_, i) => `f${i}=1`).join('&')],
  ['text/plain', 'POST', { 'content-type': 'text/plain' }, 'ivrid=1'],
  ['a charset it does not read', 'POST', { 'content-type': 'application/json; charset=latin1' }, '{"ivrid":"x"}'],
  ['a compressed body', 'POST', { 'content-type': 'application/json', 'content-encoding': 'gzip' }, gzipSync('{"ivrid":"x"}')],
  ['PUT', 'PUT', { 'content-type': 'application/json' }, '{}'],
  ['a repeated query field', 'GET', {}, undefined, 'ivrid=a1&phone=1&phone=2'],
];

async function ask(c: Case, extra: Record<string, string> = {}, token = relay.token) {
  const [, method, headers, body, query] = c;
  const res = await fetch(`${relay.url}/voicenter/${token}${query ? `?${query}` : ''}`, { method, headers: { ...headers, ...extra }, body: body as BodyInit | undefined });
  return { status: res.status, body: (await res.json()) as Record<string, unknown>, id: res.headers.get('x-request-id') };
}

describe('the lean path for Voicenter\'s requests', () => {
  it.each(CASES)('%s: answered before Express, as Express answers it', async (...c) => {
    const before = expressSaw;
    const lean = await ask(c);
    expect(expressSaw).toBe(before);
    // The same request from a browser (an Origin): Express's route.
    const viaExpress = await ask(c, { origin: 'https://elsewhere.example' });
    expect(expressSaw).toBe(before + 1);
    expect({ status: lean.status, body: lean.body }).toEqual({ status: viaExpress.status, body: viaExpress.body });
    expect(lean.status).toBeLessThan(500);
  });

  it('a wrong token, an address not allowed (also behind a trusted proxy), and the request id as on every answer', async () => {
    expect((await ask(CASES[0]!, {}, 'wrong-token')).status).toBe(404);
    expect((await ask(CASES[0]!, { 'x-forwarded-for': '10.1.2.3' })).status).toBe(200);
    const refused = await ask(CASES[0]!, { 'x-forwarded-for': '192.0.2.7' });
    expect([refused.status, refused.body.CODE]).toEqual([403, 'FORBIDDEN_ADDRESS']);
    const chosen = await ask(CASES[0]!, { 'x-request-id': 'voicenter-req-1' });
    expect(chosen.id).toBe('voicenter-req-1');
    expect((await ask(CASES[0]!)).id).toMatch(/^[0-9a-f-]{36}$/);
  });
});
