import { Redis } from 'ioredis';
import { pino } from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { freshRedis } from '../tests/services';
import { Lease } from './lease';

/** The lease on the machine's Redis (this file's own key prefix), with short times. */
const redis = await freshRedis();
const client = redis ? new Redis(redis.url, { keyPrefix: redis.prefix }) : null;
afterAll(async () => {
  client?.disconnect();
  await redis?.drop();
});

const FAST = { ttlMs: 600, everyMs: 100 };
const log = pino({ level: 'silent' });

function lease(key: string) {
  const events: string[] = [];
  const it = new Lease(client!, key, { what: 'test', onGained: () => events.push('gained'), onLost: () => events.push('lost'), log, timings: FAST });
  return { lease: it, events };
}

async function until(check: () => boolean | Promise<boolean>, what: string, deadlineMs = 5_000): Promise<void> {
  const deadline = Date.now() + deadlineMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`${what}: not by the deadline`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe.skipIf(!redis)('a lease in Redis', () => {
  it('one of two holds it; stopped, it lets go and the other takes it', async () => {
    const one = lease('l1');
    const two = lease('l1');
    await one.lease.start();
    await two.lease.start();
    expect([one.lease.holding(), two.lease.holding()]).toEqual([true, false]);
    expect(await two.lease.current()).toBe(one.lease.holder);
    await one.lease.stop();
    await until(() => two.lease.holding(), 'the other took it');
    expect(two.events).toEqual(['gained']);
    await two.lease.stop();
    expect(await client!.exists('l1')).toBe(0);
  });

  it('is renewed while its holder lives, and never let go or renewed by a relay that does not hold it', async () => {
    const one = lease('l2');
    const two = lease('l2');
    await one.lease.start();
    await two.lease.start();
    // Renewed, again and again: its time to live goes up, and it never lapses.
    let renewals = 0;
    let last = Infinity;
    await until(async () => {
      const ttl = Number(await client!.pttl('l2'));
      expect(ttl).toBeGreaterThan(0);
      if (ttl > last) renewals++;
      last = ttl;
      return renewals >= 3;
    }, 'three renewals');
    expect(await client!.get('l2')).toBe(one.lease.holder);
    await two.lease.stop();
    expect(await client!.get('l2')).toBe(one.lease.holder);
    expect(Number(await client!.pttl('l2'))).toBeGreaterThan(0);
    await one.lease.stop();
  });

  it('a holder that another replaced (its lease lapsed) stops the work', async () => {
    const one = lease('l3');
    await one.lease.start();
    await client!.set('l3', 'elsewhere:1:00000000-0000-0000-0000-000000000000', 'PX', 10_000);
    await until(() => !one.lease.holding(), 'it let the work go');
    expect(one.events).toEqual(['gained', 'lost']);
    await one.lease.stop();
    expect(await client!.get('l3')).toBe('elsewhere:1:00000000-0000-0000-0000-000000000000');
  });

  it('junk in its key (no time to live, another type) does not keep the work from every relay, nor crash one', async () => {
    await client!.set('l4', 'junk');
    const one = lease('l4');
    await one.lease.start();
    expect(one.lease.holding()).toBe(true);
    await one.lease.stop();
    await client!.hset('l5', 'x', '1');
    const two = lease('l5');
    await two.lease.start();
    expect(two.lease.holding()).toBe(true);
    expect(await two.lease.current()).toBe(two.lease.holder);
    await client!.set('l5', 'not a holder', 'PX', 10_000);
    expect(await two.lease.current()).toBeNull();
    await two.lease.stop();
  });
});
