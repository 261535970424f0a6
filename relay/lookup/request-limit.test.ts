import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { parsePhone } from '../../shared/phone';
import { json, restSource, testServer, type TestServer } from '../tests/crm-servers';
import { LookupChain } from './chain';

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

  it('per second: no more started in any second than allowed (HubSpot search: 4)', async () => {
    const started: number[] = [];
    const crm = await testServer((_req, res) => {
      started.push(performance.now());
      json(res, { data: [{ id: 1, name: 'Dana', org: 'Acme' }] });
    });
    servers.push(crm);
    const chain = chainOf(restSource('crm', crm.url, { limit: { concurrent: 4, perSecond: 4 }, timeoutMs: 5_000 }));
    const answers = await Promise.all(Array.from({ length: 9 }, (_, i) => chain.trace(phone(i), false)));
    expect(answers.every((a) => a.identity.name === 'Dana')).toBe(true);
    // (Arrival at the server lags the start by a little: a 950 ms window is the strict bound.)
    for (const t of started) expect(started.filter((u) => u >= t && u < t + 950).length).toBeLessThanOrEqual(4);
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
