import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { HttpSourceSpec } from '../lookup/source-spec';
import { httpSource, type Source } from '../lookup/sources';

export interface SeenRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: IncomingMessage['headers'];
  body: string;
}

export interface TestServer {
  url: string;
  requests: SeenRequest[];
  close(): Promise<void>;
}

/** A local HTTP server on 127.0.0.1 and a free port, standing in for a CRM; it records every request. */
export async function testServer(
  handle: (req: SeenRequest, res: ServerResponse) => void | Promise<void>,
): Promise<TestServer> {
  const requests: SeenRequest[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://x');
      const seen = { method: req.method ?? '', path: url.pathname, query: url.searchParams, headers: req.headers, body };
      requests.push(seen);
      Promise.resolve(handle(seen, res)).catch((err: unknown) => failed(res, err));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A fake server's handler failed (the test's own fault): said, and answered 500 with it rather than left hanging. */
export function failed(res: ServerResponse, err: unknown): void {
  console.error('test server: the handler failed', err);
  if (res.headersSent) res.destroy();
  else json(res, { error: (err as Error).message }, 500);
}

export function json(res: ServerResponse, body: unknown, status = 200): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

/** A generic REST CRM: GET /contacts?phone=<e164> → {data: [{id, name, org}]}. */
export function restSource(name: string, url: string, extra: Partial<HttpSourceSpec> = {}): Source {
  return httpSource({
    name,
    method: 'GET',
    url: `${url}/contacts`,
    query: { phone: '{e164}' },
    headers: {},
    auth: { type: 'bearer', token: 'SECRET-TOKEN-123' },
    params: {},
    response: { items: '$.data[*]', name: '$.name', company: '$.org', id: '$.id' },
    recordUrl: `${url}/contacts/{id}`,
    searchUrl: `${url}/search?q={digits}`,
    match: 'exact',
    suffixDigits: 9,
    timeoutMs: 500,
    maxBytes: 64 * 1024,
    ...extra,
  }, 'IL');
}

export const found = (name: string) => (_req: unknown, res: Parameters<typeof json>[0]) => json(res, { data: [{ id: 7, name, org: 'Acme' }] });
export const nobody = (_req: unknown, res: Parameters<typeof json>[0]) => json(res, { data: [] });
