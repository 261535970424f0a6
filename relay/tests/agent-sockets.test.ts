import type { Socket } from 'node:net';
import { WebSocket } from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AUTH_PROTOCOL_PREFIX, PROTOCOL } from '../../shared/messages';
import { Agents } from '../accounts/agents';
import { EXTENSION_ID } from '../platform/config';
import { openDatabase } from '../platform/db';
import { SqliteSql } from '../platform/sql';
import { AgentClient, signIn, startRelay, type TestRelay } from './helpers';

let relay: TestRelay;
const wsUrl = () => `${relay.url.replace('http', 'ws')}/ws`;

/** Opens a raw WebSocket and says how the handshake ended: "open" or the HTTP status. */
function handshake(protocols: string[], headers: Record<string, string> = {}, path = '/ws'): Promise<string | number> {
  return new Promise((resolve) => {
    const ws = new WebSocket(`${relay.url.replace('http', 'ws')}${path}`, protocols, { headers });
    ws.once('open', () => {
      ws.close();
      resolve('open');
    });
    ws.once('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
    ws.once('error', () => undefined);
  });
}

beforeAll(async () => {
  relay = await startRelay({ RELAY_HEARTBEAT_MS: 200 });
  await relay.agents.add('A1', 'Agent One', 'pw-one');
  await relay.agents.add('A2', 'Agent Two', 'pw-two');
});

afterAll(async () => {
  await relay.stop();
});

describe('WebSocket /ws', () => {
  describe('authentication before the handshake', () => {
    it('refuses a connection with no session token', async () => {
      expect(await handshake([PROTOCOL])).toBe(401);
    });

    it('refuses an unknown session token', async () => {
      expect(await handshake([PROTOCOL, `${AUTH_PROTOCOL_PREFIX}forged`])).toBe(401);
    });

    it('refuses a browser origin that is not the extension', async () => {
      const token = await signIn(relay, 'A1', 'pw-one');
      expect(await handshake([PROTOCOL, `${AUTH_PROTOCOL_PREFIX}${token}`], { origin: 'https://evil.example' })).toBe(403);
    });

    it('accepts the extension origin with a valid session, and says hello', async () => {
      const token = await signIn(relay, 'A1', 'pw-one');
      const client = await AgentClient.connect(relay, token, `chrome-extension://${EXTENSION_ID}`);
      const hello = await client.next((m) => m.type === 'hello');
      expect(hello).toMatchObject({ type: 'hello', agent: { extenUser: 'A1', name: 'Agent One' }, heartbeatMs: 200 });
      expect(client.ws.protocol).toBe(PROTOCOL);
      client.close();
    });

    it('refuses other paths', async () => {
      const token = await signIn(relay, 'A1', 'pw-one');
      expect(await handshake([PROTOCOL, `${AUTH_PROTOCOL_PREFIX}${token}`], {}, '/other')).toBe(404);
    });
  });

  describe('ending sessions', () => {
    it('closes the socket at once when the agent signs out', async () => {
      const token = await signIn(relay, 'A1', 'pw-one');
      const client = await AgentClient.connect(relay, token);
      const res = await fetch(`${relay.url}/api/sessions/current`, { method: 'DELETE', headers: { authorization: `Bearer ${token}` } });
      expect(res.status).toBe(204);
      expect(await client.closed()).toBe(4001);
      expect(await handshake([PROTOCOL, `${AUTH_PROTOCOL_PREFIX}${token}`])).toBe(401);
    });

    it('closes every socket of an agent whose password another process changed', async () => {
      const [c1, c2] = await Promise.all([
        signIn(relay, 'A2', 'pw-two').then((t) => AgentClient.connect(relay, t)),
        signIn(relay, 'A2', 'pw-two').then((t) => AgentClient.connect(relay, t)),
      ]);
      const other = await AgentClient.connect(relay, await signIn(relay, 'A1', 'pw-one'));
      // What `agents passwd` does: its own connection to the same database file.
      const cliDb = openDatabase(relay.dataDir);
      await new Agents(new SqliteSql(cliDb), 3_600_000).setPassword('A2', 'pw-two-new');
      cliDb.close();
      expect(await Promise.all([c1.closed(), c2.closed()])).toEqual([4001, 4001]);
      // The other agent stays connected: it still gets heartbeats after A2's sockets closed.
      const seen = other.messages.length;
      await other.next((m) => m.type === 'ping' && other.messages.indexOf(m) >= seen);
      expect(other.closeCode).toBeUndefined();
      other.close();
    });
  });

  describe('heartbeat', () => {
    it('sends an application-level ping on every beat', async () => {
      const client = await AgentClient.connect(relay, await signIn(relay, 'A1', 'pw-one'));
      await client.next((m) => m.type === 'ping');
      const first = client.messages.filter((m) => m.type === 'ping').length;
      await client.next((m) => m.type === 'ping' && client.messages.filter((x) => x.type === 'ping').length > first);
      client.close();
    });

    it('terminates a socket that stops answering pings', async () => {
      const token = await signIn(relay, 'A1', 'pw-one');
      const ws = new WebSocket(wsUrl(), [PROTOCOL, `${AUTH_PROTOCOL_PREFIX}${token}`], { autoPong: false });
      const code = await new Promise<number>((resolve) => ws.once('close', resolve));
      expect(code).toBe(1006);
    });
  });

  describe('what clients may send', () => {
    it('closes with 4400 on a message that is not a client message', async () => {
      const client = await AgentClient.connect(relay, await signIn(relay, 'A1', 'pw-one'));
      client.ws.send('{"type":"subscribe","extenUser":"A2"}');
      expect(await client.closed()).toBe(4400);
    });

    it('closes with 1009 on a message over 64 KB', async () => {
      const client = await AgentClient.connect(relay, await signIn(relay, 'A1', 'pw-one'));
      client.ws.send('x'.repeat(70_000));
      expect(await client.closed()).toBe(1009);
    });

    it('accepts acknowledgements and pings', async () => {
      const client = await AgentClient.connect(relay, await signIn(relay, 'A1', 'pw-one'));
      client.ws.send(JSON.stringify({ type: 'ack', seq: 1 }));
      client.ws.send(JSON.stringify({ type: 'ping', time: Date.now() }));
      const seen = client.messages.length;
      await client.next((m) => m.type === 'ping' && client.messages.indexOf(m) >= seen);
      expect(client.closeCode).toBeUndefined();
      client.close();
    });
  });
});

describe('POST /api/sessions', () => {
  it('trades extension user and password for a session token', async () => {
    const res = await fetch(`${relay.url}/api/sessions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: `chrome-extension://${EXTENSION_ID}` },
      body: JSON.stringify({ extenUser: 'A1', password: 'pw-one' }),
    });
    expect(res.status).toBe(201);
    expect(res.headers.get('access-control-allow-origin')).toBe(`chrome-extension://${EXTENSION_ID}`);
    const body = (await res.json()) as Record<string, unknown>;
    expect(body).toMatchObject({ agent: { extenUser: 'A1', name: 'Agent One' } });
    expect(body.token).toMatch(/^[\w-]{43}$/);
  });

  it('tells the extension whether its session still holds (GET /api/sessions/current)', async () => {
    const token = await signIn(relay, 'A1', 'pw-one');
    const check = (t: string) => fetch(`${relay.url}/api/sessions/current`, { headers: { authorization: `Bearer ${t}` } });
    const ok = await check(token);
    expect(ok.status).toBe(200);
    expect(await ok.json()).toEqual({ agent: { extenUser: 'A1', name: 'Agent One' } });
    await fetch(`${relay.url}/api/sessions/current`, { method: 'DELETE', headers: { authorization: `Bearer ${token}` } });
    const gone = await check(token);
    expect(gone.status).toBe(401);
    expect(await gone.json()).toMatchObject({ CODE: 'UNAUTHORIZED' });
    expect((await fetch(`${relay.url}/api/sessions/current`)).status).toBe(401);
  });

  it('refuses a wrong password in words', async () => {
    const res = await fetch(`${relay.url}/api/sessions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ extenUser: 'A1', password: 'nope' }),
    });
    expect(res.status).toBe(401);
    expect(await res.json()).toEqual({ STATUS: 'ERROR', CODE: 'UNAUTHORIZED', ERROR: 'wrong extension user or password' });
  });

  it('slows an account down after repeated failures', async () => {
    await relay.agents.add('B1', '', 'right');
    const attempt = (password: string) =>
      fetch(`${relay.url}/api/sessions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ extenUser: 'B1', password }),
      });
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) statuses.push((await attempt('wrong')).status);
    expect(statuses).toEqual([401, 401, 401, 401, 401, 429]);
    const limited = await attempt('right');
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
  });
});

describe('limits on a connection', () => {
  it('refuses one socket more than an agent may have, and closes a socket that sends too much', async () => {
    const limited = await startRelay({ RELAY_MAX_SOCKETS_PER_AGENT: 2, RELAY_MAX_MESSAGES_PER_MINUTE: 10 });
    try {
      await limited.agents.add('L1', '', 'pw');
      const token = await signIn(limited, 'L1', 'pw');
      const a = await AgentClient.connect(limited, token);
      const b = await AgentClient.connect(limited, token);
      await expect(AgentClient.connect(limited, token)).rejects.toThrow('HTTP 429');
      for (let i = 0; i < 11; i++) a.ws.send(JSON.stringify({ type: 'ping', time: i }));
      expect(await a.closed()).toBe(4429);
      // The other socket of the agent is not affected, and a place is free again.
      expect(b.closeCode).toBeUndefined();
      const c = await AgentClient.connect(limited, token);
      c.close();
      b.close();
    } finally {
      await limited.stop();
    }
  });

  it('stays up after a malformed WebSocket frame, closing only that connection with 1002', async () => {
    const token = await signIn(relay, 'A1', 'pw-one');
    const client = await AgentClient.connect(relay, token);
    // A frame with reserved bits set and no mask: invalid from a client (RFC 6455 §5.2).
    (client.ws as unknown as { _socket: Socket })._socket.write(Buffer.from([0xf1, 0x01, 0x41]));
    expect(await client.closed()).toBe(1002);
    expect((await fetch(`${relay.url}/healthz`)).status).toBe(200);
    const again = await AgentClient.connect(relay, token);
    again.close();
  });
});
