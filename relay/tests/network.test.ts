import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { get as httpGet } from 'node:http';
import { Agent as HttpsAgent, get } from 'node:https';
import { connect as tlsConnect } from 'node:tls';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { AgentClient, popup, signIn, startRelay } from './helpers';

describe('the pop-up endpoint behind an IP allow-list', () => {
  it('refuses an address outside the list with 403, and serves one inside', async () => {
    const closed = await startRelay({ RELAY_POPUP_ALLOW_IPS: ['10.0.0.0/8', '2001:db8::/32'] });
    const open = await startRelay({ RELAY_POPUP_ALLOW_IPS: ['127.0.0.0/8'] });
    try {
      const refused = await popup(closed, { ivrid: 'ip-1', phone: '0722776772', status: 'Ringing' });
      expect(refused).toMatchObject({ status: 403, body: { STATUS: 'ERROR', CODE: 'FORBIDDEN_ADDRESS' } });
      expect((await popup(open, { ivrid: 'ip-2', status: 'Ringing' })).status).toBe(200);
    } finally {
      await closed.stop();
      await open.stop();
    }
  });

  it('believes X-Forwarded-For only from a trusted proxy', async () => {
    const trusting = await startRelay({ RELAY_POPUP_ALLOW_IPS: ['203.0.113.0/24'], RELAY_TRUST_PROXY: 'loopback' });
    const notTrusting = await startRelay({ RELAY_POPUP_ALLOW_IPS: ['203.0.113.0/24'] });
    try {
      const send = (relay: { popupUrl: string }) =>
        fetch(`${relay.popupUrl}?ivrid=xff-1&statusCall=Ringing`, { headers: { 'x-forwarded-for': '203.0.113.7' } });
      expect((await send(trusting)).status).toBe(200);
      expect((await send(notTrusting)).status).toBe(403);
    } finally {
      await trusting.stop();
      await notTrusting.stop();
    }
  });
});

describe('TLS served directly', () => {
  it('answers over HTTPS with the given certificate and key, with HSTS', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tls-'));
    const cert = join(dir, 'cert.pem');
    const key = join(dir, 'key.pem');
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=127.0.0.1', '-days', '1', '-keyout', key, '-out', cert], {
      stdio: 'ignore',
    });
    const relay = await startRelay({ RELAY_TLS_CERT: cert, RELAY_TLS_KEY: key });
    try {
      const url = relay.url.replace('http:', 'https:');
      const { body, hsts } = await new Promise<{ body: string; hsts: unknown }>((resolve, reject) => {
        get(`${url}/healthz`, { rejectUnauthorized: false }, (res) => {
          let text = '';
          res.on('data', (d: Buffer) => (text += d.toString()));
          res.on('end', () => resolve({ body: text, hsts: res.headers['strict-transport-security'] }));
        }).on('error', reject);
      });
      expect(JSON.parse(body)).toEqual({ status: 'ok' });
      // Browsers are told never to come back over plain HTTP.
      expect(hsts).toBe('max-age=31536000');
    } finally {
      await relay.stop();
    }
  });
});

describe('a client that sends its body slowly', () => {
  it('is cut off after the request timeout, and the relay goes on serving', async () => {
    const relay = await startRelay({ RELAY_REQUEST_TIMEOUT_MS: 300 });
    try {
      const { port } = new URL(relay.url);
      const socket = connect(Number(port), '127.0.0.1');
      socket.write(`POST /voicenter/${relay.token} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"ivrid":`);
      const answer = await new Promise<string>((resolve) => {
        let text = '';
        socket.on('data', (d: Buffer) => (text += d.toString()));
        socket.on('close', () => resolve(text));
      });
      expect(answer).toMatch(/^HTTP\/1\.1 408/);
      expect((await popup(relay, { ivrid: 'after-slow', status: 'Ringing' })).status).toBe(200);
    } finally {
      await relay.stop();
    }
  });
});

describe('connection exhaustion', () => {
  /** Opens `n` TCP connections at once from `from` that send nothing; resolves once each is open or closed. */
  async function idle(relay: { url: string }, n: number, from: string): Promise<Socket[]> {
    const { port } = new URL(relay.url);
    return Promise.all(
      Array.from({ length: n }, () => {
        const socket = connect({ port: Number(port), host: '127.0.0.1', localAddress: from });
        socket.on('error', () => undefined);
        return new Promise<Socket>((resolve) => socket.once('connect', () => resolve(socket)).once('close', () => resolve(socket)));
      }),
    );
  }
  const healthFrom = (relay: { url: string }, from: string) =>
    new Promise<number>((resolve, reject) => {
      const { port } = new URL(relay.url);
      httpGet({ host: '127.0.0.1', port, path: '/healthz', localAddress: from }, (res) => {
        res.resume();
        resolve(res.statusCode!);
      }).on('error', reject);
    });

  it('caps the connections one address may hold, so the relay still answers everyone else; the address connects again once they are gone', async () => {
    const relay = await startRelay({ RELAY_MAX_CONNECTIONS_PER_IP: 50 });
    const sockets = await idle(relay, 300, '127.0.0.2');
    try {
      // Everything past the cap was closed by the relay at once; the first 50 are held.
      const deadline = Date.now() + 5_000;
      while (sockets.filter((s) => !s.destroyed).length > 50 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      expect(sockets.filter((s) => !s.destroyed).length).toBe(50);
      expect(await healthFrom(relay, '127.0.0.3')).toBe(200);
      expect((await popup(relay, { ivrid: 'while-flooded', status: 'Ringing' })).status).toBe(200);
      // Closed, each of the 50 gives its place back (counted down by address when it closes).
      for (const s of sockets) s.destroy();
      const again = Date.now() + 5_000;
      let status = 0;
      while (status !== 200 && Date.now() < again) status = await healthFrom(relay, '127.0.0.2').catch(() => 0);
      expect(status).toBe(200);
    } finally {
      for (const s of sockets) s.destroy();
      await relay.stop();
    }
  });

  it('caps connections in total, and answers again once they are gone', async () => {
    const relay = await startRelay({ RELAY_MAX_CONNECTIONS: 40 });
    const sockets = await idle(relay, 100, '127.0.0.4');
    try {
      const deadline = Date.now() + 5_000;
      while (sockets.filter((s) => !s.destroyed).length > 40 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      expect(sockets.filter((s) => !s.destroyed).length).toBe(40);
    } finally {
      for (const s of sockets) s.destroy();
    }
    try {
      const deadline = Date.now() + 5_000;
      let status = 0;
      while (status !== 200 && Date.now() < deadline) status = await healthFrom(relay, '127.0.0.5').catch(() => 0);
      expect(status).toBe(200);
    } finally {
      await relay.stop();
    }
  });

  it('cuts an idle connection that never sends a request', async () => {
    const relay = await startRelay({ RELAY_REQUEST_TIMEOUT_MS: 300 });
    try {
      const { port } = new URL(relay.url);
      const socket = connect(Number(port), '127.0.0.1');
      socket.on('error', () => undefined);
      // Cut by whichever comes first: the relay's first-request timer (a bare close) or Node's own
      // headers timeout (a 408 first). Nothing else: no other answer, and the connection does not stay.
      expect(await closes(socket)).toMatch(/^$|^HTTP\/1\.1 408 /);
    } finally {
      await relay.stop();
    }
  });
});

/**
 * Resolves with what the server sent once the socket closes: with RELAY_REQUEST_TIMEOUT_MS 300 a
 * silent connection is cut after about 300 ms. It reads what arrives, as any client does: a
 * stream ends (and the socket closes) only once its data is read, and Node's headers timeout
 * cuts with a 408 written first — unread, that answer would keep the socket open for ever.
 */
function closes(socket: Socket): Promise<string> {
  let received = '';
  socket.on('data', (d: Buffer) => (received += d.toString()));
  return new Promise((resolve) => socket.once('close', () => resolve(received)));
}

describe('connections that spoke are kept past the first-request timeout', () => {
  it('plain HTTP: a keep-alive connection and an agent\'s WebSocket stay open while a silent one is cut', async () => {
    const relay = await startRelay({ RELAY_REQUEST_TIMEOUT_MS: 300 });
    try {
      await relay.agents.add('T1', 'Tal', 'pw-tal');
      const agent = await AgentClient.connect(relay, await signIn(relay, 'T1', 'pw-tal'));
      const { port } = new URL(relay.url);
      const http = connect(Number(port), '127.0.0.1');
      const ask = () =>
        new Promise<string>((resolve) => {
          http.once('data', (d: Buffer) => resolve(d.toString().split('\r\n')[0]!));
          http.write('GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n');
        });
      expect(await ask()).toBe('HTTP/1.1 200 OK');
      // Opened after the others: once it is cut, their own first-request timers are long past.
      const silent = connect(Number(port), '127.0.0.1');
      silent.on('error', () => undefined);
      await closes(silent);
      expect(await ask()).toBe('HTTP/1.1 200 OK');
      expect(agent.ws.readyState).toBe(agent.ws.OPEN);
      http.destroy();
      agent.ws.close();
    } finally {
      await relay.stop();
    }
  });

  it('TLS served directly: a keep-alive connection stays open while a silent one is cut', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tls-'));
    const cert = join(dir, 'cert.pem');
    const key = join(dir, 'key.pem');
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=127.0.0.1', '-days', '1', '-keyout', key, '-out', cert], { stdio: 'ignore' });
    const relay = await startRelay({ RELAY_TLS_CERT: cert, RELAY_TLS_KEY: key, RELAY_REQUEST_TIMEOUT_MS: 300 });
    const keepAlive = new HttpsAgent({ keepAlive: true, maxSockets: 1, rejectUnauthorized: false });
    try {
      const url = `${relay.url.replace('http:', 'https:')}/healthz`;
      const sockets = new Set<unknown>();
      const ask = () =>
        new Promise<number>((resolve, reject) => {
          get(url, { agent: keepAlive }, (res) => {
            sockets.add(res.socket);
            res.resume();
            res.on('end', () => resolve(res.statusCode!));
          }).on('error', reject);
        });
      expect(await ask()).toBe(200);
      // One that completes the handshake and then says nothing, and one that never starts it.
      const quiet = tlsConnect({ port: Number(new URL(relay.url).port), host: '127.0.0.1', rejectUnauthorized: false });
      const mute = connect(Number(new URL(relay.url).port), '127.0.0.1');
      for (const s of [quiet, mute]) s.on('error', () => undefined);
      await Promise.all([closes(quiet), closes(mute)]);
      expect(await ask()).toBe(200);
      // The same connection answered both (before the fix, every TLS connection was cut after the timeout).
      expect(sockets.size).toBe(1);
    } finally {
      keepAlive.destroy();
      await relay.stop();
    }
  });
});
