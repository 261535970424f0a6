import { LRUCache } from 'lru-cache';

/**
 * An LRU cache of at most `capacity` entries whose storage grows as it fills. lru-cache's `max`
 * allocates the whole table at once — four arrays of `capacity` slots when a ttl is used —, which
 * for the sign-in throttle's five 50,000-entry tables held 7.2 MB of every relay's heap while empty
 * (a heap snapshot, bench/RESULTS.md, issue 16). Counting each entry as size 1 against `maxSize`
 * bounds the count the same way, least recently used first, without the preallocation.
 */
export function boundedCache<K extends NonNullable<unknown>, V extends NonNullable<unknown>>(
  capacity: number,
  options: Omit<LRUCache.Options<K, V, unknown>, 'max' | 'maxSize' | 'sizeCalculation'> = {},
): LRUCache<K, V> {
  return new LRUCache<K, V>({ ...options, maxSize: capacity, sizeCalculation: () => 1 });
}
