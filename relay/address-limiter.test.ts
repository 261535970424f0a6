import { describe, expect, it } from 'vitest';
import { AddressLimiter } from './address-limiter';
import { signIn, startRelay } from './test-helpers';

describe('AddressLimiter', () => {
  it('lets an address try again once its oldest failure leaves the window', () => {
    const limiter = new AddressLimiter(3, 1_000);
    for (const t of [0, 100, 200]) limiter.fail('10.0.0.1', t);
    expect(limiter.retryAfter('10.0.0.1', 300)).toBe(700);
    expect(limiter.retryAfter('10.0.0.2', 300)).toBe(0);
    expect(limiter.retryAfter('10.0.0.1', 1_000)).toBe(0);
  });

  it('forgets the least recently failing address beyond its capacity', () => {
    const limiter = new AddressLimiter(1, 1_000, 2);
    limiter.fail('a', 0);
    limiter.fail('b', 0);
    limiter.fail('c', 0);
    expect([limiter.retryAfter('a', 1), limiter.retryAfter('b', 1), limiter.retryAfter('c', 1)]).toEqual([0, 999, 999]);
  });
});

describe('sign-in from one address', () => {
  it('is refused after 20 failures, whichever accounts they were on, agents and console alike', async () => {
    const relay = await startRelay();
    try {
      await relay.agents.add('A1', 'Dana', 'right');
      await relay.admins.setPassword('admin', 'admin-right');
      const attempt = (extenUser: string, password: string) =>
        fetch(`${relay.url}/api/sessions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ extenUser, password }) });
      for (let i = 0; i < 20; i++) expect((await attempt(`guess${i}`, 'password1')).status).toBe(401);
      const refused = await attempt('A1', 'right');
      expect(refused.status).toBe(429);
      expect(((await refused.json()) as { ERROR: string }).ERROR).toMatch(/^too many failed sign-ins from this address: try again in \d+ s$/);
      const admin = await fetch(`${relay.url}/console/api/session`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-screenpop-console': '1' },
        body: JSON.stringify({ username: 'admin', password: 'admin-right' }),
      });
      expect(admin.status).toBe(429);
      await expect(signIn(relay, 'A1', 'right')).rejects.toThrow('429');
    } finally {
      await relay.stop();
    }
  });
});
