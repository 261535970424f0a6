import { createServer, get, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { endlessServer, NEAR_THE_CAP, type EndlessServer } from '../tests/endless-answer';
import { askJson, BodyError, readBody, ReachError } from './bounded-body';

/** The relay's one reader of answers from outside, on both of Node's clients (http, and fetch). */

let endless: EndlessServer | undefined;
let other: Server | undefined;
afterEach(async () => {
  await endless?.close();
  endless = undefined;
  other?.closeAllConnections();
  other?.close();
  other = undefined;
});

const nodeGet = (url: string, signal: AbortSignal) => new Promise<IncomingMessage>((resolve, reject) => get(url, { signal }, resolve).on('error', reject));

/** A server answering each request with `handle`, and the number of connections it saw closed. */
async function serve(handle: Parameters<typeof createServer>[1]): Promise<{ url: string; closed: () => number }> {
  let closed = 0;
  other = createServer(handle);
  other.on('connection', (socket) => socket.on('close', () => closed++));
  await new Promise<void>((resolve) => other!.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(other.address() as AddressInfo).port}`, closed: () => closed };
}

async function until(condition: () => boolean, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe('an endless body', () => {
  it("on Node's http client: cut off at the cap, in words, the connection closed", async () => {
    endless = await endlessServer();
    const signal = AbortSignal.timeout(30_000);
    const res = await nodeGet(endless.url, signal);
    await expect(readBody(res, 100_000, signal)).rejects.toThrow(new BodyError('answer larger than 100000 bytes'));
    await endless.ended(1);
    expect(endless.cutOff()).toBe(1);
    expect(endless.sent()).toBeLessThan(NEAR_THE_CAP);
  });

  it("on fetch's body: the same", async () => {
    endless = await endlessServer();
    const signal = AbortSignal.timeout(30_000);
    const res = await fetch(endless.url, { signal });
    await expect(readBody(res.body, 100_000, signal)).rejects.toThrow('answer larger than 100000 bytes');
    await endless.ended(1);
    expect(endless.cutOff()).toBe(1);
    expect(endless.sent()).toBeLessThan(NEAR_THE_CAP);
  });
});

describe('a body that trickles', () => {
  it.each(['http', 'fetch'])('is ended by the deadline, on %s, and its connection closed', async (client) => {
    const server = await serve((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('{"a":"');
      const drip = setInterval(() => res.write('x'), 20);
      res.on('close', () => clearInterval(drip));
    });
    // Only the body's reading is bounded here: the client's own request has no deadline.
    const body = client === 'http' ? await nodeGet(server.url, new AbortController().signal) : (await fetch(server.url)).body;
    const read = readBody(body, 1_000_000, AbortSignal.timeout(300));
    await expect(read).rejects.toBeInstanceOf(BodyError);
    await expect(read).rejects.toThrow('timed out');
    await until(() => server.closed() === 1);
  });
});

describe('a body within the cap', () => {
  it('is read whole, to the last byte the cap allows', async () => {
    const server = await serve((_req, res) => void res.end('é'.repeat(500)));
    const signal = AbortSignal.timeout(10_000);
    expect(await readBody(await nodeGet(server.url, signal), 1_000, signal)).toBe('é'.repeat(500));
    await expect(readBody((await fetch(server.url)).body, 999, signal)).rejects.toThrow('answer larger than 999 bytes');
  });
});

describe('askJson', () => {
  it('gives the status and the JSON, null when the body is not JSON', async () => {
    const server = await serve((req, res) => void res.writeHead(req.url === '/html' ? 502 : 200).end(req.url === '/html' ? '<html>down</html>' : '{"ok":1}'));
    expect(await askJson(`${server.url}/json`, {}, { maxBytes: 1_000, timeoutMs: 5_000 })).toEqual({ status: 200, ok: true, json: { ok: 1 } });
    expect(await askJson(`${server.url}/html`, {}, { maxBytes: 1_000, timeoutMs: 5_000 })).toEqual({ status: 502, ok: false, json: null });
  });

  it('an endless answer: a BodyError; no server: a ReachError naming why', async () => {
    endless = await endlessServer();
    await expect(askJson(endless.url, { method: 'POST', body: '{}' }, { maxBytes: 64 * 1024, timeoutMs: 30_000 })).rejects.toThrow(new BodyError('answer larger than 65536 bytes'));
    expect(endless.sent()).toBeLessThan(NEAR_THE_CAP);
    const unused = await serve(() => {});
    await new Promise((resolve) => other!.close(resolve));
    other = undefined;
    await expect(askJson(unused.url, {}, { maxBytes: 1_000, timeoutMs: 5_000 })).rejects.toThrow(new ReachError('ECONNREFUSED'));
  });
});
