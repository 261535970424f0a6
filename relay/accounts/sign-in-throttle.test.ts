import { Redis } from 'ioredis';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { RedisThrottleState } from '../cluster/redis-throttle';
import { freshRedis } from '../tests/services';
import { addressKey, SignInThrottle, THROTTLE } from './sign-in-throttle';
import { startRelay, type TestRelay } from '../tests/helpers';

const right = () => Promise.resolve(true);
const wrong = () => Promise.resolve(false);

const redis = await freshRedis();
const clients: Redis[] = [];
afterAll(async () => {
  for (const c of clients) c.disconnect();
  await redis?.drop();
});
let fresh = 0;
/** Failures in this relay's memory, or in Redis shared by several relays (each test its own keys). */
const STATES = {
  memory: () => undefined,
  redis: () => {
    const client = new Redis(redis!.url, { keyPrefix: `${redis!.prefix}${fresh++}:` });
    clients.push(client);
    return new RedisThrottleState(client);
  },
};

describe.each(['memory', 'redis'] as const)('SignInThrottle, failures kept in %s', (kept) => {
  const throttleAt = (now: () => number) => new SignInThrottle(THROTTLE, now, STATES[kept]());
  beforeEach(({ skip }) => {
    if (kept === 'redis' && !redis) skip('Redis is not reachable');
  });

  it('doubles the wait of one (account, address) after five failures, up to 15 minutes, never for good', async () => {
    let now = 0;
    const throttle = throttleAt(() => now);
    const waits: number[] = [];
    for (let i = 0; i < 16; i++) {
      expect(await throttle.attempt('agent:A1', '10.0.0.1', wrong)).toEqual({ ok: false, code: 'UNAUTHORIZED' });
      const wait = await throttle.pairWait('agent:A1', '10.0.0.1');
      if (wait > 0) {
        // Within the wait even the right password is refused.
        expect(await throttle.attempt('agent:A1', '10.0.0.1', right)).toEqual({ ok: false, code: 'RATE_LIMITED', retryAfterMs: wait });
      }
      waits.push(wait);
      now += wait;
    }
    expect(waits.slice(0, 8)).toEqual([0, 0, 0, 0, 1_000, 2_000, 4_000, 8_000]);
    expect(Math.max(...waits)).toBe(15 * 60_000);
    // Once the wait is over the right password works, and the count starts again.
    expect(await throttle.attempt('agent:A1', '10.0.0.1', right)).toEqual({ ok: true });
    expect(await throttle.pairWait('agent:A1', '10.0.0.1')).toBe(0);
  });

  it('lets the right password in from another address while one address is throttled on that account', async () => {
    let now = 0;
    const throttle = throttleAt(() => now);
    // One wrong try every 15 minutes, forever, from the attacker's address.
    for (let i = 0; i < 40; i++) {
      await throttle.attempt('admin:admin', '198.51.100.7', wrong);
      now += 15 * 60_000;
    }
    await throttle.attempt('admin:admin', '198.51.100.7', wrong);
    expect(await throttle.attempt('admin:admin', '198.51.100.7', right)).toMatchObject({ ok: false, code: 'RATE_LIMITED' });
    expect(await throttle.attempt('admin:admin', '192.0.2.10', right)).toEqual({ ok: true });
  });

  it('answers an unknown name exactly as a real one, try for try', async () => {
    const throttle = throttleAt(() => 0);
    const real: unknown[] = [];
    const madeUp: unknown[] = [];
    for (let i = 0; i < 8; i++) real.push(await throttle.attempt('agent:A1', '10.0.0.1', wrong));
    for (let i = 0; i < 8; i++) madeUp.push(await throttle.attempt('agent:nobody', '10.0.0.2', wrong));
    expect(madeUp).toEqual(real);
  });

  it('slows an account past 100 failures only for addresses that never signed in to it', async () => {
    let now = 0;
    const throttle = throttleAt(() => now);
    expect(await throttle.attempt('agent:A1', '10.9.9.9', right)).toEqual({ ok: true });
    for (let i = 0; i < 100; i++) await throttle.attempt('agent:A1', `10.0.${i >> 8}.${i & 255}`, wrong);
    now += 1;
    // A new address gets one try per interval; the agent's usual address is not slowed.
    expect(await throttle.attempt('agent:A1', '10.1.0.1', wrong)).toEqual({ ok: false, code: 'UNAUTHORIZED' });
    expect(await throttle.attempt('agent:A1', '10.1.0.2', right)).toEqual({ ok: false, code: 'RATE_LIMITED', retryAfterMs: 10_000 });
    expect(await throttle.attempt('agent:A1', '10.9.9.9', right)).toEqual({ ok: true });
  });

});

describe('SignInThrottle', () => {
  it('bounds the password hashes computed at once overall, and refuses past its queue', async () => {
    const throttle = new SignInThrottle({ ...THROTTLE, hashing: 1, hashQueue: 2 });
    let running = 0;
    let most = 0;
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const slowCheck = async () => {
      most = Math.max(most, ++running);
      await gate;
      running--;
      return false;
    };
    const attempts = Array.from({ length: 10 }, (_, i) => throttle.attempt(`agent:U${i}`, `10.0.0.${i + 1}`, slowCheck));
    await new Promise((resolve) => setImmediate(resolve));
    release();
    const results = await Promise.all(attempts);
    expect(most).toBe(1);
    expect(results.filter((r) => !r.ok && r.code === 'UNAUTHORIZED')).toHaveLength(3);
    expect(results.filter((r) => !r.ok && r.code === 'RATE_LIMITED')).toHaveLength(7);
  });

  it('keys IPv6 clients by their /64 and IPv4-mapped ones as IPv4', () => {
    expect(addressKey('2001:db8:1:2:aaaa::1')).toBe(addressKey('2001:db8:1:2:ffff:1:2:3'));
    expect(addressKey('2001:db8:1:2::1')).not.toBe(addressKey('2001:db8:1:3::1'));
    expect(addressKey('::ffff:192.0.2.1')).toBe('192.0.2.1');
    expect(addressKey('192.0.2.1')).toBe('192.0.2.1');
  });
});

describe('sign-in under attack (a real relay)', () => {
  let relay: TestRelay;

  beforeAll(async () => {
    // Behind a proxy on loopback, X-Forwarded-For names the client: one test plays many addresses.
    // Time stands still for the throttle: what is counted is what attempts at one moment get. On
    // its real clock a burst that the relay takes more than a second to serve (a loaded machine)
    // rightly gets a sixth check, as five one by one and a sixth after the wait would; the waits
    // themselves are the tests above, on a clock of their own.
    const now = Date.now();
    relay = await startRelay({ RELAY_TRUST_PROXY: 'loopback' }, { signInClock: () => now });
    await relay.agents.add('A1', 'Dana', 'right-password');
    await relay.agents.add('A2', 'Avi', 'avi-password');
    await relay.admins.setPassword('admin', 'admin-right');
  });

  afterAll(async () => {
    await relay.stop();
  });

  const agentSignIn = (extenUser: string, password: string, from: string) =>
    fetch(`${relay.url}/api/sessions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-forwarded-for': from },
      body: JSON.stringify({ extenUser, password }),
    });
  const adminSignIn = (password: string, from: string) =>
    fetch(`${relay.url}/console/api/session`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-screenpop-console': '1', 'x-forwarded-for': from },
      body: JSON.stringify({ username: 'admin', password }),
    });

  it('gives 200 sign-ins sent at once no more password checks than five sent one by one', async () => {
    const attempts = Array.from({ length: 200 }, (_, i) => agentSignIn('A1', i === 199 ? 'right-password' : `guess-${i}`, '203.0.113.1'));
    const statuses = await Promise.all(attempts.map(async (a) => (await a).status));
    expect(statuses[199]).not.toBe(201);
    // 401 = a password was checked; 429 = refused before any hashing.
    expect(statuses.filter((s) => s === 401).length).toBeLessThanOrEqual(THROTTLE.pairFreeFailures);
    expect(statuses.filter((s) => s !== 401 && s !== 429)).toEqual([]);
    // Serially, the right password from that address now waits too.
    expect((await agentSignIn('A1', 'right-password', '203.0.113.1')).status).toBe(429);
    // From the agent's own address it still works.
    expect((await agentSignIn('A1', 'right-password', '192.0.2.50')).status).toBe(201);
  });

  it('spreads no more checks over 200 addresses at once than the account allows', async () => {
    const attempts = Array.from({ length: 200 }, (_, i) => agentSignIn('A2', `guess-${i}`, `198.18.${i >> 8}.${i & 255}`));
    const statuses = await Promise.all(attempts.map(async (a) => (await a).status));
    // Checks at once per account are bounded; the rest are refused before hashing.
    expect(statuses.filter((s) => s === 401).length).toBeLessThanOrEqual(THROTTLE.accountInFlight * 4);
    expect(statuses.filter((s) => s === 429).length).toBeGreaterThan(150);
    expect((await agentSignIn('A2', 'avi-password', '192.0.2.51')).status).toBe(201);
  });

  it('keeps a normal sign-in working while one address floods unknown names in parallel', async () => {
    const flood = Array.from({ length: 400 }, (_, i) => agentSignIn(`nobody-${i}`, 'x', '203.0.113.66'));
    const normal = agentSignIn('A1', 'right-password', '192.0.2.77');
    expect((await normal).status).toBe(201);
    const statuses = await Promise.all(flood.map(async (a) => (await a).status));
    // The flooding address got at most its two concurrent checks at a time; the rest were refused at once.
    expect(statuses.filter((s) => s === 429).length).toBeGreaterThanOrEqual(380);
  });

  it('answers a made-up name exactly as a real one, also once throttled', async () => {
    const seq = async (name: string, from: string) => {
      const out: number[] = [];
      for (let i = 0; i < 7; i++) out.push((await agentSignIn(name, 'wrong', from)).status);
      return out;
    };
    const real = await seq('A1', '203.0.113.90');
    expect(real).toEqual([401, 401, 401, 401, 401, 429, 429]);
    expect(await seq('no-such-agent', '203.0.113.91')).toEqual(real);
  });

  it("cannot keep the administrator out from another address with one wrong try now and then", async () => {
    for (let i = 0; i < 6; i++) await adminSignIn('wrong', '203.0.113.200');
    expect((await adminSignIn('admin-right', '203.0.113.200')).status).toBe(429);
    expect((await adminSignIn('admin-right', '192.0.2.99')).status).toBe(201);
  });

  it('refuses one address after 20 failures, whichever accounts they were on, agents and console alike', async () => {
    for (let i = 0; i < 20; i++) expect((await agentSignIn(`guess${i}`, 'password1', '203.0.113.150')).status).toBe(401);
    const refused = await agentSignIn('A1', 'right-password', '203.0.113.150');
    expect(refused.status).toBe(429);
    expect(refused.headers.get('retry-after')).toMatch(/^\d+$/);
    expect(((await refused.json()) as { ERROR: string }).ERROR).toMatch(/^too many sign-in attempts: try again in \d+ s$/);
    expect((await adminSignIn('admin-right', '203.0.113.150')).status).toBe(429);
    // An IPv6 client cannot step around the limit by changing the low bits of its address.
    for (let i = 0; i < 20; i++) await agentSignIn(`v6guess${i}`, 'p', `2001:db8:5:6::${i + 1}`);
    expect((await agentSignIn('A1', 'right-password', '2001:db8:5:6:ffff::1')).status).toBe(429);
  });
});

describe('SignInThrottle on several relays (Redis)', () => {
  it('gives guesses spread over two relays at once no more password checks than one relay would', async ({ skip }) => {
    if (!redis) return skip('Redis is not reachable');
    const prefix = `${redis.prefix}${fresh++}:`;
    const now = Date.now();
    const relays = [0, 1].map(() => {
      const client = new Redis(redis.url, { keyPrefix: prefix });
      clients.push(client);
      // At one moment, as above: on the real clock, tries after the first wait would rightly be checked.
      return new SignInThrottle(THROTTLE, () => now, new RedisThrottleState(client));
    });
    let checks = 0;
    const counted = () => {
      checks++;
      return Promise.resolve(false);
    };
    // Each relay guessing as fast as it is let, both at once: 20 tries in all.
    const answers = (await Promise.all(relays.map(async (relay) => {
      const got = [];
      for (let i = 0; i < 10; i++) got.push(await relay.attempt('agent:A1', '203.0.113.5', counted));
      return got;
    }))).flat();
    // Five free failures for the (account, address) in all, not five per relay: the rest wait.
    expect(checks).toBe(THROTTLE.pairFreeFailures);
    expect(answers.filter((a) => a.ok === false && a.code === 'UNAUTHORIZED')).toHaveLength(checks);
    expect(await relays[0]!.attempt('agent:A1', '203.0.113.5', right)).toMatchObject({ ok: false, code: 'RATE_LIMITED' });
    // Another address still gets in, on either relay.
    expect(await relays[1]!.attempt('agent:A1', '198.51.100.20', right)).toEqual({ ok: true });
  });
});
