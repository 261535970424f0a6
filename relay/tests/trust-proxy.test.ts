import { request } from 'node:http';
import { connect, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { THROTTLE } from '../accounts/sign-in-throttle';
import { ConfigError, loadConfig, VOICENTER_EXTENSION_ORIGIN } from '../platform/config';
import { startRelay, type TestRelay } from './helpers';

/**
 * RELAY_TRUST_PROXY names the proxies whose X-Forwarded-For is believed: by address or range only.
 * Every connection comes from 127.0.0.x here: 127.0.0.9 plays the proxy, the others clients that
 * reach the relay directly.
 */
const PROXY = '127.0.0.9';

/** One request from a local address, its status (0: the connection was refused or cut). */
function send(relay: { url: string }, from: string, path: string, init: { method?: string; headers?: Record<string, string>; body?: string } = {}): Promise<number> {
  const { port } = new URL(relay.url);
  return new Promise((resolve) => {
    const req = request({ host: '127.0.0.1', port, path, method: init.method ?? 'GET', localAddress: from, headers: init.headers, agent: false }, (res) => {
      res.resume();
      resolve(res.statusCode!);
    });
    req.on('error', () => resolve(0));
    req.end(init.body);
  });
}

const signInFrom = (relay: TestRelay, from: string, forwarded: string | null, extenUser = 'A1', password = 'wrong') =>
  send(relay, from, '/api/sessions', {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(forwarded === null ? {} : { 'x-forwarded-for': forwarded }) },
    body: JSON.stringify({ extenUser, password }),
  });

/** A different address on every try, as an attacker rotating X-Forwarded-For sends. */
const rotating = (i: number) => `198.51.100.${i + 1}`;

describe('RELAY_TRUST_PROXY', () => {
  it('refuses a hop count (and true, and what is not a proxy\'s address) at start, naming the setting', async () => {
    for (const setting of ['1', '2', 'loopback, 1', 'true', 'not-an-ip<script>', '127.1', '3232235777', '10.0.0.0/33', '10.0.0.0/255.0.255.0']) {
      expect(() => loadConfig({ RELAY_TRUST_PROXY: setting }), setting).toThrow(ConfigError);
    }
    expect(() => loadConfig({ RELAY_TRUST_PROXY: '1' })).toThrow(/^RELAY_TRUST_PROXY: 1 is a hop count, which names no proxy/);
    for (const setting of ['loopback', 'loopback, uniquelocal', '10.0.0.5', '10.0.0.0/8', '192.168.0.0/255.255.0.0', '::1', 'fd00::/8, linklocal']) {
      expect(loadConfig({ RELAY_TRUST_PROXY: setting }).config.RELAY_TRUST_PROXY, setting).toBe(setting);
    }
    // A configuration made without loadConfig is held to the same rule.
    await expect(startRelay({ RELAY_TRUST_PROXY: '1' })).rejects.toThrow(/RELAY_TRUST_PROXY: 1 is a hop count/);
  });

  describe('a client that is not a named proxy, rotating X-Forwarded-For', () => {
    let relay: TestRelay;
    beforeAll(async () => {
      // Time stands still for the throttle: a loaded machine's slow answers let no wait run out.
      const now = Date.now();
      relay = await startRelay({ RELAY_TRUST_PROXY: PROXY, RELAY_MAX_CONNECTIONS_PER_IP: 10 }, { signInClock: () => now });
      for (const a of ['A1', 'A2', 'A3']) await relay.agents.add(a, a, 'right-password');
    });
    afterAll(() => relay.stop());

    it('30 failed sign-ins sent at once: five are checked, the rest refused with 429', async () => {
      const statuses = await Promise.all(Array.from({ length: 30 }, (_, i) => signInFrom(relay, '127.0.0.2', rotating(i), 'A1')));
      expect(statuses.filter((s) => s === 401).length).toBeLessThanOrEqual(THROTTLE.pairFreeFailures);
      expect(statuses.filter((s) => s === 429).length).toBeGreaterThanOrEqual(30 - THROTTLE.pairFreeFailures);
      expect(statuses.filter((s) => s !== 401 && s !== 429)).toEqual([]);
    });

    it('30 failed sign-ins one by one: five 401s, then 429s', async () => {
      const statuses: number[] = [];
      for (let i = 0; i < 30; i++) statuses.push(await signInFrom(relay, '127.0.0.3', rotating(i), 'A2'));
      expect(statuses).toEqual([...Array<number>(THROTTLE.pairFreeFailures).fill(401), ...Array<number>(30 - THROTTLE.pairFreeFailures).fill(429)]);
    });

    it('the proxy itself is believed: the addresses it forwards for are told apart', async () => {
      const statuses: number[] = [];
      for (let i = 0; i < 8; i++) statuses.push(await signInFrom(relay, PROXY, rotating(100 + i), 'A3'));
      expect(statuses).toEqual(Array(8).fill(401));
      expect(await signInFrom(relay, PROXY, '192.0.2.10', 'A3', 'right-password')).toBe(201);
    });

    /** Opens `n` connections at once from `from` that send nothing; resolves once each is open or closed. */
    const idle = (n: number, from: string) => {
      const { port } = new URL(relay.url);
      return Promise.all(
        Array.from({ length: n }, () => {
          const socket = connect({ port: Number(port), host: '127.0.0.1', localAddress: from });
          socket.on('error', () => undefined);
          return new Promise<Socket>((resolve) => socket.once('connect', () => resolve(socket)).once('close', () => resolve(socket)));
        }),
      );
    };

    it('its connections are capped per address, opened at once; only the named proxy is exempt', async () => {
      const client = await idle(30, '127.0.0.4');
      const proxy = await idle(30, PROXY);
      try {
        const deadline = Date.now() + 5_000;
        while (client.filter((s) => !s.destroyed).length > 10 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
        expect(client.filter((s) => !s.destroyed).length).toBeLessThanOrEqual(10);
        // (Had the first ten been cut for their silence meanwhile, this would pass: the count above is the proof.)
        expect(await send(relay, PROXY, '/healthz')).toBe(200);
        expect(await send(relay, '127.0.0.5', '/healthz')).toBe(200);
      } finally {
        for (const s of [...client, ...proxy]) s.destroy();
      }
    });
  });

  describe('a forwarded value that is not an IP address', () => {
    let relay: TestRelay;
    beforeAll(async () => {
      const now = Date.now();
      relay = await startRelay({ RELAY_TRUST_PROXY: 'loopback', RELAY_POPUP_ALLOW_IPS: ['127.0.0.1'] }, { signInClock: () => now });
      await relay.agents.add('B1', 'B1', 'right-password');
    });
    afterAll(() => relay.stop());

    const popupFrom = (forwarded: string, origin?: string) =>
      send(relay, '127.0.0.1', `/voicenter/${relay.token}?ivrid=xff-${Math.random().toString(36).slice(2)}&statusCall=Ringing`, {
        headers: { 'x-forwarded-for': forwarded, ...(origin ? { origin } : {}) },
      });

    it('is ignored: the address is the proxy\'s that passed it on, on both pop-up paths', async () => {
      for (const origin of [undefined, VOICENTER_EXTENSION_ORIGIN]) {
        expect(await popupFrom('not-an-ip<script>', origin), origin).toBe(200);
        expect(await popupFrom('203.0.113.7, not-an-ip<script>', origin), origin).toBe(200);
        expect(await popupFrom('3232235777', origin), origin).toBe(200);
        // A real address forwarded by the proxy is still believed (and this one is not allowed).
        expect(await popupFrom('not-an-ip<script>, 203.0.113.7', origin), origin).toBe(403);
      }
    });

    it('counts sign-ins sent at once under it against the proxy\'s address', async () => {
      const statuses = await Promise.all(Array.from({ length: 10 }, () => signInFrom(relay, '127.0.0.1', 'not-an-ip<script>', 'B1')));
      expect(statuses.filter((s) => s === 401).length).toBeLessThanOrEqual(THROTTLE.pairFreeFailures);
      // Then one by one until the throttle answers: the same count, whichever way they came.
      for (let i = 0; i < THROTTLE.pairFreeFailures; i++) if ((await signInFrom(relay, '127.0.0.1', 'not-an-ip<script>', 'B1')) === 429) break;
      expect(await signInFrom(relay, '127.0.0.1', null, 'B1', 'right-password')).toBe(429);
      expect(await signInFrom(relay, '127.0.0.1', '192.0.2.20', 'B1', 'right-password')).toBe(201);
    });
  });
});
