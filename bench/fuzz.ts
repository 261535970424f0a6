/**
 * Bad-input fuzz (issue 5): 100,000 generated requests over the three formats (query string,
 * form, JSON — well-formed and not) against a real relay. Never a 5xx, never a crash, always a
 * JSON answer with STATUS "OK" or "ERROR". `npm run bench -- fuzz` (FUZZ_RUNS to change the count);
 * the test suite runs the same properties with fewer runs.
 */
import http from 'node:http';
import fc from 'fast-check';
import { startRelay } from '../relay/tests/helpers';

const RUNS = Number(process.env.FUZZ_RUNS ?? 100_000);

const field = fc.oneof(
  fc.constantFrom('ivrid', 'phone', 'status', 'statusCall', 'extenUser', 'callerName', 'did', 'cause', 'currentCall', '__proto__', 'constructor'),
  fc.string({ maxLength: 12 }),
);
const value = fc.oneof(fc.string({ maxLength: 40 }), fc.integer(), fc.constantFrom('Ringing', 'Talking', 'Hangup', '0722776772', 'Anonymous', ''), fc.jsonValue({ maxDepth: 3 }));

const request = fc.oneof(
  fc.dictionary(field, fc.string({ maxLength: 40 })).map((d) => ({ method: 'GET', type: '', body: '', query: new URLSearchParams(d).toString() })),
  fc.string({ maxLength: 200 }).map((q) => ({ method: 'GET', type: '', body: '', query: encodeURI(q) })),
  fc.dictionary(field, fc.string({ maxLength: 40 })).map((d) => ({ method: 'POST', type: 'application/x-www-form-urlencoded', body: new URLSearchParams(d).toString(), query: '' })),
  fc.dictionary(field, value).map((d) => ({ method: 'POST', type: 'application/json', body: JSON.stringify(d), query: '' })),
  fc.string({ maxLength: 300 }).map((s) => ({ method: 'POST', type: 'application/json', body: s, query: '' })),
  fc.tuple(fc.constantFrom('text/plain', 'application/xml', 'multipart/form-data', ''), fc.string({ maxLength: 100 })).map(([type, s]) => ({ method: 'POST', type, body: s, query: '' })),
);

export async function fuzz(): Promise<Record<string, string | number>> {
  const relay = await startRelay({});
  const url = new URL(relay.popupUrl);
  const agent = new http.Agent({ keepAlive: true, maxSockets: 8 });
  const statuses = new Map<number, number>();
  const send = (r: { method: string; type: string; body: string; query: string }) =>
    new Promise<{ status: number; text: string }>((resolve, reject) => {
      const headers: Record<string, string | number> = { 'content-length': Buffer.byteLength(r.body) };
      if (r.type) headers['content-type'] = r.type;
      const req = http.request({ agent, host: url.hostname, port: url.port, path: `${url.pathname}${r.query ? `?${r.query}` : ''}`, method: r.method, headers }, (res) => {
        let text = '';
        res.on('data', (d: Buffer) => (text += d.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
      });
      req.on('error', reject);
      req.end(r.body);
    });
  const started = performance.now();
  await fc.assert(
    fc.asyncProperty(request, async (r) => {
      const { status, text } = await send(r);
      statuses.set(status, (statuses.get(status) ?? 0) + 1);
      if (status >= 500) throw new Error(`${status} for ${JSON.stringify(r)}`);
      const body = JSON.parse(text) as { STATUS?: string };
      if (body.STATUS !== 'OK' && body.STATUS !== 'ERROR') throw new Error(`no STATUS for ${JSON.stringify(r)}`);
    }),
    { numRuns: RUNS },
  );
  const health = await fetch(`${relay.url}/healthz`);
  agent.destroy();
  await relay.stop();
  return {
    'generated requests': RUNS,
    'answers by status': [...statuses].sort(([a], [b]) => a - b).map(([s, n]) => `${s}: ${n}`).join(', '),
    '5xx answers': [...statuses].filter(([s]) => s >= 500).reduce((n, [, c]) => n + c, 0),
    'relay healthy afterwards': health.status === 200 ? 'yes' : 'no',
    'took': `${((performance.now() - started) / 1000).toFixed(0)} s`,
  };
}
