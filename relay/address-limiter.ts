/**
 * Wrong passwords per client address: the per-account slow-down does not stop one address trying
 * one password on many accounts. After `max` failures within `windowMs` an address must wait
 * until its oldest failure leaves the window. Kept in memory (a restart forgets), bounded.
 */
export class AddressLimiter {
  private readonly failures = new Map<string, number[]>();

  constructor(
    private readonly max = 20,
    private readonly windowMs = 15 * 60_000,
    /** Addresses remembered at most; the least recently failing is forgotten first. */
    private readonly capacity = 10_000,
  ) {}

  /** Milliseconds this address must still wait; 0 when it may try. */
  retryAfter(address: string | undefined, now = Date.now()): number {
    const times = this.recent(address ?? '', now);
    return times.length >= this.max ? times[0]! + this.windowMs - now : 0;
  }

  fail(address: string | undefined, now = Date.now()): void {
    const key = address ?? '';
    const times = this.recent(key, now);
    times.push(now);
    this.failures.delete(key);
    this.failures.set(key, times);
    if (this.failures.size > this.capacity) this.failures.delete(this.failures.keys().next().value!);
  }

  private recent(key: string, now: number): number[] {
    const times = (this.failures.get(key) ?? []).filter((t) => t > now - this.windowMs);
    if (times.length === 0) this.failures.delete(key);
    return times;
  }
}
