import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ERRORS } from '../../shared/errors';
import { startRelay, type TestRelay } from './helpers';

let relay: TestRelay;

beforeAll(async () => {
  relay = await startRelay();
});

afterAll(async () => {
  await relay.stop();
});

/** A raw request: fetch would refuse to send some of these paths as they are. */
function raw(method: string, path: string, headers: Record<string, string> = {}, body = ''): Promise<{ status: number; type: string; text: string }> {
  const { port } = new URL(relay.url);
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, method, path, headers }, (res) => {
      let text = '';
      res.on('data', (d: Buffer) => (text += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode!, type: String(res.headers['content-type']), text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

describe('errors are JSON everywhere', () => {
  it.each([
    ['a pop-up path that does not decode', 'GET', '/voicenter/%'],
    ['a pop-up token that does not decode, with a body', 'POST', '/voicenter/%E0%A4%A'],
  ])('answers %s with a 400 JSON error, no stack trace and no path', async (_what, method, path) => {
    const res = await raw(method, path, { 'content-type': 'application/json' }, method === 'GET' ? '' : '{}');
    expect(res.status).toBe(400);
    expect(res.type).toMatch(/^application\/json/);
    expect(JSON.parse(res.text)).toEqual({ STATUS: 'ERROR', CODE: 'INVALID_FIELDS', ERROR: 'the request cannot be read (its path or fields are malformed)' });
    expect(res.text).not.toMatch(/<html|<pre|\bat \w+ \(|node_modules|express|%/i);
  });

  it.each([
    ['GET', '/%'],
    ['GET', '/%zz/index.html'],
    ['DELETE', '/api/%zz'],
    ['GET', '/console/api/%'],
    ['GET', '/ws/%'],
  ])('answers %s %s with a JSON error', async (method, path) => {
    const res = await raw(method, path);
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(res.status).toBeLessThan(500);
    expect(res.type).toMatch(/^application\/json/);
    expect(JSON.parse(res.text)).toMatchObject({ STATUS: 'ERROR', CODE: expect.any(String) as string });
  });

  it('answers a wrong method on the pop-up URL with 405 METHOD_NOT_ALLOWED and the methods allowed', async () => {
    const res = await fetch(relay.popupUrl, { method: 'PUT' });
    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toBe('GET, POST, OPTIONS');
    expect(await res.json()).toEqual({ STATUS: 'ERROR', CODE: 'METHOD_NOT_ALLOWED', ERROR: 'use GET or POST' });
  });

  it('answers a fault of its own with 500 INTERNAL and a code, never the error text', async () => {
    relay.app.get('/__throws', () => {
      throw new Error('secret detail at /srv/relay/app.ts:12');
    });
    // Routes added after the final handlers are not reached: put this one first.
    const stack = (relay.app as unknown as { router: { stack: unknown[] } }).router.stack;
    stack.unshift(stack.pop());
    const res = await raw('GET', '/__throws');
    expect(res.status).toBe(500);
    expect(JSON.parse(res.text)).toEqual({ STATUS: 'ERROR', CODE: 'INTERNAL', ERROR: 'internal error' });
  });

  it('uses the status of the error table for every code it answers with', async () => {
    const cases: [Promise<Response>, keyof typeof ERRORS][] = [
      [fetch(`${relay.url}/voicenter/wrong-token-123456`), 'NOT_FOUND'],
      [fetch(relay.popupUrl, { method: 'POST', headers: { 'content-type': 'text/xml' }, body: '<a/>' }), 'UNSUPPORTED_MEDIA_TYPE'],
      [fetch(relay.popupUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{' }), 'MALFORMED_JSON'],
      [fetch(relay.popupUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: `{"a":"${'x'.repeat(70_000)}"}` }), 'TOO_LARGE'],
      [fetch(`${relay.url}/api/sessions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' }), 'INVALID_FIELDS'],
      [fetch(`${relay.url}/console/api/floor`), 'UNAUTHORIZED'],
      [fetch(`${relay.url}/console/api/session`, { method: 'POST' }), 'FORBIDDEN'],
    ];
    for (const [answer, code] of cases) {
      const res = await answer;
      expect({ code, status: res.status }).toEqual({ code, status: ERRORS[code].http });
      expect(await res.json()).toMatchObject({ STATUS: 'ERROR', CODE: code });
    }
  });
});

describe('the error table', () => {
  it('gives every code a WebSocket close code of its own', () => {
    const closes = Object.values(ERRORS).map((e) => e.close);
    expect(new Set(closes).size).toBe(closes.length);
  });
});
