import { pino } from 'pino';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { parsePhone } from '../../shared/phone';
import { json, restSource, testServer, type TestServer } from '../tests/crm-servers';
import { LookupChain } from './chain';
import { RequestLimit } from './request-limit';

/**
 * A CRM's limits kept: a 429 with Retry-After (RFC 9110 §10.2.3; HubSpot, Pipedrive and Zoho send it)
 * backs that source off without counting it as down, and a per-source request limit makes a burst
 * of lookups wait their turn instead of being refused.
 */
let servers: TestServer[] = [];
afterEach(async () => {
  await Promise.all(servers.map((s) => s.close()));
  servers = [];
});

const chainOf = (source: ReturnType<typeof restSource>) =>
  new LookupChain({ sources: [source], cache: null, searchUrl: '', circuit: { failures: 2, cooldownMs: 30_000 }, log: pino({ level: 'silent' }) });
const phone = (i: number) => parsePhone(`05012345${String(i).padStart(2, '0')}`, 'IL');

describe('CRM rate limits', () => {
  it('429 with Retry-After: the source is left alone for that long, not counted as down, said in words', async () => {
    const crm = await testServer((_req, res) => {
      res.writeHead(429, { 'retry-after': '30', 'content-type': 'application/json' });
      res.end('{"status":"error","category":"RATE_LIMITS"}');
    });
    servers.push(crm);
    const chain = chainOf(restSource('crm', crm.url));
    expect((await chain.trace(phone(1), false)).steps[0]).toMatchObject({ outcome: 'error', detail: 'HTTP 429: rate limited' });
    for (let i = 2; i < 6; i++) {
      const traced = await chain.trace(phone(i), false);
      expect(traced.identity.status).toBe('unknown');
      expect(traced.steps[0]).toMatchObject({ outcome: 'skipped', detail: expect.stringMatching(/^rate limited: asked again in (29|30) s$/) });
    }
    expect(crm.requests).toHaveLength(1);
    expect(chain.health()[0]).toMatchObject({ circuit: 'closed', problem: 'rate limited by the CRM: waiting as it asked' });
  });

  it('a burst with an empty cache waits its turn: never more at once than allowed, every lookup answered', async () => {
    let inFlight = 0;
    let most = 0;
    let release: (() => void) | undefined;
    const crm = await testServer(async (_req, res) => {
      inFlight++;
      most = Math.max(most, inFlight);
      // Held until a second one is in flight too (a second at most): the limit's two turns are used at
      // once, whatever the client's own pace — and a third, were one let through, would be seen.
      if (inFlight >= 2) release?.();
      else await new Promise<void>((resolve) => ((release = resolve), setTimeout(resolve, 1_000)));
      await new Promise((resolve) => setImmediate(resolve));
      inFlight--;
      json(res, { data: [{ id: 1, name: 'Dana', org: 'Acme' }] });
    });
    servers.push(crm);
    const chain = chainOf(restSource('crm', crm.url, { limit: { concurrent: 2, perSecond: 1000 }, timeoutMs: 5_000 }));
    const answers = await Promise.all(Array.from({ length: 12 }, (_, i) => chain.trace(phone(i), false)));
    expect(answers.map((a) => a.identity.name)).toEqual(Array(12).fill('Dana'));
    expect(most).toBe(2);
  });

  it('per second: a burst is let through four a second (HubSpot search: 4), every lookup answered', async () => {
    // Date.now, the limiter's own clock: a request reaches the CRM no sooner than the relay starts
    // it, and the burst starts no sooner than `before`. (Arrivals cannot show the window itself:
    // a first batch slowed by opening its connections can reach the CRM close to the second,
    // which reuses them. The window is timed where the relay starts each request, below.)
    const arrived: number[] = [];
    const crm = await testServer((_req, res) => {
      arrived.push(Date.now());
      json(res, { data: [{ id: 1, name: 'Dana', org: 'Acme' }] });
    });
    servers.push(crm);
    const chain = chainOf(restSource('crm', crm.url, { limit: { concurrent: 4, perSecond: 4 }, timeoutMs: 5_000 }));
    const before = Date.now();
    const answers = await Promise.all(Array.from({ length: 9 }, (_, i) => chain.trace(phone(i), false)));
    expect(answers.every((a) => a.identity.name === 'Dana')).toBe(true);
    const sorted = arrived.sort((a, b) => a - b);
    expect(sorted[4]! - before).toBeGreaterThanOrEqual(1_000);
    expect(sorted[8]! - before).toBeGreaterThanOrEqual(2_000);
  });

  it('a lookup whose time runs out while waiting gives up without counting against the CRM', async () => {
    const crm = await testServer((_req, res) => json(res, { data: [{ id: 1, name: 'Dana', org: 'Acme' }] }));
    servers.push(crm);
    // One a second, and 300 ms to answer: after the first, the burst cannot have a turn in time.
    const chain = chainOf(restSource('crm', crm.url, { limit: { concurrent: 10, perSecond: 1 }, timeoutMs: 300 }));
    const answers = await Promise.all(Array.from({ length: 4 }, (_, i) => chain.trace(phone(i), false)));
    expect(answers.map((a) => a.steps[0]!.detail)).toEqual(['exact number, 1 match', ...Array(3).fill("timed out waiting for the CRM's request limit")]);
    expect(chain.health()[0]!.circuit).toBe('closed');
    expect(crm.requests).toHaveLength(1);
  });
});

describe('RequestLimit per second', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('starts no more than allowed in any second, counted from each start (a sliding window), and each as soon as it may', async () => {
    // Time moves only when the test moves it: a start is timed exactly where the limiter lets it go.
    vi.useFakeTimers({ now: 0 });
    const limit = new RequestLimit(10, 4, Date.now);
    const started: number[] = [];
    const asks: Promise<void>[] = [];
    const ask = () => void asks.push(limit.acquire(new AbortController().signal).then((release) => (started.push(Date.now()), release())));
    ask();
    await vi.advanceTimersByTimeAsync(900);
    for (let i = 0; i < 3; i++) ask();
    await vi.advanceTimersByTimeAsync(100);
    for (let i = 0; i < 4; i++) ask();
    await vi.advanceTimersByTimeAsync(2_000);
    await Promise.all(asks);
    // At 1000 the one of 0 has left the window, the three of 900 have not: one more, the rest at 1900.
    // (Counted per calendar second, all four would start at 1000: seven within 900–1900.)
    expect(started).toEqual([0, 900, 900, 900, 1_000, 1_900, 1_900, 1_900]);
    for (const t of started) expect(started.filter((u) => u >= t && u < t + 1_000).length).toBeLessThanOrEqual(4);
  });
});
