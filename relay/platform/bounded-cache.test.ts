import { describe, expect, it } from 'vitest';
import { boundedCache } from './bounded-cache';

describe('boundedCache', () => {
  it('holds at most its capacity, the least recently used leaving first', () => {
    const cache = boundedCache<string, number>(3);
    for (const [i, k] of ['a', 'b', 'c'].entries()) cache.set(k, i);
    cache.get('a');
    cache.set('d', 3);
    cache.set('e', 4);
    expect(cache.size).toBe(3);
    expect([...cache.keys()].sort()).toEqual(['a', 'd', 'e']);
    for (let i = 0; i < 10_000; i++) cache.set(`k${i}`, i);
    expect(cache.size).toBe(3);
  });

  it('forgets an entry after its ttl, per cache and per entry', () => {
    let now = 1_000;
    const perf = { now: () => now };
    const cache = boundedCache<string, number>(10, { ttl: 100, perf });
    cache.set('short', 1);
    cache.set('long', 2, { ttl: 1_000 });
    now += 150;
    expect(cache.get('short')).toBeUndefined();
    expect(cache.get('long')).toBe(2);
  });
});
