import ipaddr from 'ipaddr.js';
import type { LRUCache } from 'lru-cache';
import { boundedCache } from '../platform/bounded-cache';

/**
 * How hard guessing passwords is made, after NIST SP 800-63B §5.2.2 ("Rate Limiting"): failures
 * are limited per (account, client address) strictly, per address across accounts, and per
 * account only gently, with addresses that signed in to that account before exempt — so an
 * attacker at one address cannot keep the right password out from another.
 */
export const THROTTLE = {
  /** Failures for one (account, address) before each further try must wait. */
  pairFreeFailures: 5,
  /** The first wait; each further failure doubles it, up to pairMaxWaitMs. */
  pairBaseWaitMs: 1_000,
  /** Never a lock-out for good: at worst the next try waits this long. */
  pairMaxWaitMs: 15 * 60_000,
  /** A pair's failures are forgotten after this long without a failure. */
  pairMemoryMs: 60 * 60_000,
  /** Failures from one address, whichever accounts, within addressWindowMs. */
  addressMaxFailures: 20,
  addressWindowMs: 15 * 60_000,
  /** An account with this many failures within accountWindowMs (NIST: at most 100) is slowed… */
  accountMaxFailures: 100,
  accountWindowMs: 60 * 60_000,
  /** …to one try per this interval from addresses that never signed in to it. */
  accountSlowIntervalMs: 10_000,
  /** Password checks running at once for one address, and for one account; more are refused. */
  addressInFlight: 2,
  accountInFlight: 4,
  /** Password hashes computed at once (libuv's thread pool has 4) and waiting for a turn. */
  hashing: 4,
  hashQueue: 64,
  /** Entries remembered at most, per table; the least recently used is forgotten first. */
  capacity: 50_000,
};
export type ThrottleLimits = typeof THROTTLE;

export type ThrottledCheck = { ok: true } | { ok: false; code: 'UNAUTHORIZED' } | { ok: false; code: 'RATE_LIMITED'; retryAfterMs: number };

/**
 * The key an address is limited by: an IPv4 address as it is (also when it arrives as
 * ::ffff:a.b.c.d), an IPv6 address by its /64 — one host is usually given a whole /64.
 */
export function addressKey(ip: string | undefined): string {
  if (!ip || !ipaddr.isValid(ip)) return ip ?? '';
  const parsed = ipaddr.parse(ip);
  if (parsed.kind() === 'ipv4') return parsed.toString();
  const v6 = parsed as ipaddr.IPv6;
  if (v6.isIPv4MappedAddress()) return v6.toIPv4Address().toString();
  return `${v6.parts.slice(0, 4).map((p) => p.toString(16)).join(':')}::/64`;
}

interface PairState {
  failures: number;
  /** No try before this time (ms). */
  waitUntil: number;
}

/** Takes back an attempt counted as a failure: the password was right, or it was never checked. */
export interface Undo {
  succeeded(): Promise<void>;
  notTried(): Promise<void>;
}

/**
 * Where failures are remembered: this relay's memory (MemoryThrottleState), or Redis, shared by
 * several relays (relay/cluster/redis-throttle.ts). `take` decides and counts in one step, so
 * attempts on several relays at once get no more tries than attempts one after another.
 */
export interface ThrottleState {
  /** The wait before this attempt may go on (ms); when none, the attempt is counted as a failure now. */
  take(account: string, address: string, now: number): Promise<{ wait: number; undo?: Undo }>;
  /** How long the (account, address) pair must wait because of its own failures. */
  pairWait(account: string, address: string, now: number): Promise<number>;
  /** Forgets an account's failures (a new password was set). */
  forgetAccount(account: string): Promise<void>;
}

/**
 * Sign-in throttling for agents and administrators. Every attempt is counted as a failure
 * *before* its password is hashed and only taken back when the password was right, so attempts
 * sent in parallel get no more tries than attempts sent one by one; concurrent checks are bounded
 * per address, per account and overall (on this relay: they are its CPU), so a flood from one
 * address cannot slow other people's sign-ins. Unknown names are throttled exactly like real
 * ones: the answers never tell which exist.
 */
export class SignInThrottle {
  private readonly inFlight = new Map<string, number>();
  private hashing = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(
    private readonly limits: ThrottleLimits = THROTTLE,
    private readonly now: () => number = Date.now,
    private readonly state: ThrottleState = new MemoryThrottleState(limits),
  ) {}

  /**
   * Runs `verify` (the password hash) for `account` (e.g. `agent:A1`, `admin:admin`, whether or
   * not it exists) from `ip`, unless a limit says wait; records the outcome.
   */
  async attempt(account: string, ip: string | undefined, verify: () => Promise<boolean>): Promise<ThrottledCheck> {
    const address = addressKey(ip);
    const l = this.limits;
    const slots = [`a|${address}`, `n|${account}`];
    // Counted before anything is awaited: parallel attempts see each other.
    if ((this.inFlight.get(slots[0]!) ?? 0) >= l.addressInFlight || (this.inFlight.get(slots[1]!) ?? 0) >= l.accountInFlight) {
      return { ok: false, code: 'RATE_LIMITED', retryAfterMs: 1_000 };
    }
    for (const s of slots) this.inFlight.set(s, (this.inFlight.get(s) ?? 0) + 1);
    try {
      const { wait, undo } = await this.state.take(account, address, this.now());
      if (wait > 0 || !undo) return { ok: false, code: 'RATE_LIMITED', retryAfterMs: wait };
      if (!(await this.hashTurn())) {
        // Refused for the relay's load, not checked: the attempt does not count.
        await undo.notTried();
        return { ok: false, code: 'RATE_LIMITED', retryAfterMs: 1_000 };
      }
      let right: boolean;
      try {
        right = await verify();
      } finally {
        this.hashDone();
      }
      if (!right) return { ok: false, code: 'UNAUTHORIZED' };
      await undo.succeeded();
      return { ok: true };
    } finally {
      for (const s of slots) {
        const n = (this.inFlight.get(s) ?? 1) - 1;
        if (n === 0) this.inFlight.delete(s);
        else this.inFlight.set(s, n);
      }
    }
  }

  /** How long `account` must wait at `ip` because of its own failures there (ms; 0: it may try). */
  pairWait(account: string, ip: string | undefined): Promise<number> {
    return this.state.pairWait(account, addressKey(ip), this.now());
  }

  /** Forgets an account's failures (a new password was set). */
  forgetAccount(account: string): Promise<void> {
    return this.state.forgetAccount(account);
  }

  private hashTurn(): Promise<boolean> {
    if (this.hashing < this.limits.hashing) {
      this.hashing++;
      return Promise.resolve(true);
    }
    if (this.waiting.length >= this.limits.hashQueue) return Promise.resolve(false);
    // The slot is handed over by hashDone(): `hashing` stays counted.
    return new Promise((resolve) => this.waiting.push(() => resolve(true)));
  }

  private hashDone(): void {
    const next = this.waiting.shift();
    if (next) next();
    else this.hashing--;
  }
}

/** One relay's failures, in memory (a restart forgets them). */
export class MemoryThrottleState implements ThrottleState {
  private readonly pairs: LRUCache<string, PairState>;
  private readonly addressFailures: LRUCache<string, number[]>;
  private readonly accountFailures: LRUCache<string, number[]>;
  /** Per account: the next time an address that never signed in to it may try, once it is slowed. */
  private readonly accountSlowUntil: LRUCache<string, number>;
  /** Addresses that signed in to an account before, by `account|address`. */
  private readonly trusted: LRUCache<string, true>;

  constructor(private readonly limits: ThrottleLimits = THROTTLE) {
    const max = limits.capacity;
    this.pairs = boundedCache(max, { ttl: limits.pairMemoryMs + limits.pairMaxWaitMs });
    this.addressFailures = boundedCache(max, { ttl: limits.addressWindowMs });
    this.accountFailures = boundedCache(max, { ttl: limits.accountWindowMs });
    this.accountSlowUntil = boundedCache(max, { ttl: limits.accountSlowIntervalMs });
    this.trusted = boundedCache(max);
  }

  take(account: string, address: string, now: number): Promise<{ wait: number; undo?: Undo }> {
    const pairKey = `${account}|${address}`;
    const wait = this.waitFor(account, address, pairKey, now);
    if (wait > 0) return Promise.resolve({ wait });
    return Promise.resolve({ wait: 0, undo: this.recordFailure(account, address, pairKey, now) });
  }

  pairWait(account: string, address: string, now: number): Promise<number> {
    const pair = this.pairs.get(`${account}|${address}`);
    return Promise.resolve(pair ? Math.max(0, pair.waitUntil - now) : 0);
  }

  forgetAccount(account: string): Promise<void> {
    for (const key of this.pairs.keys()) if (key.startsWith(`${account}|`)) this.pairs.delete(key);
    this.accountFailures.delete(account);
    this.accountSlowUntil.delete(account);
    return Promise.resolve();
  }

  /** Milliseconds this attempt must wait; 0 when it may go on. */
  private waitFor(account: string, address: string, pairKey: string, now: number): number {
    const l = this.limits;
    const pair = this.pairs.get(pairKey);
    if (pair && pair.waitUntil > now) return pair.waitUntil - now;
    const byAddress = recent(this.addressFailures.get(address), now - l.addressWindowMs);
    if (byAddress.length >= l.addressMaxFailures) return byAddress[0]! + l.addressWindowMs - now;
    const byAccount = recent(this.accountFailures.get(account), now - l.accountWindowMs);
    if (byAccount.length >= l.accountMaxFailures && !this.trusted.has(pairKey)) {
      const until = this.accountSlowUntil.get(account) ?? 0;
      if (until > now) return until - now;
      this.accountSlowUntil.set(account, now + l.accountSlowIntervalMs);
    }
    return 0;
  }

  /** Counts the attempt as failed now; returns how to take that back. */
  private recordFailure(account: string, address: string, pairKey: string, now: number): Undo {
    const l = this.limits;
    const before = this.pairs.get(pairKey);
    const failures = (before?.failures ?? 0) + 1;
    const wait = failures >= l.pairFreeFailures ? Math.min(l.pairBaseWaitMs * 2 ** (failures - l.pairFreeFailures), l.pairMaxWaitMs) : 0;
    this.pairs.set(pairKey, { failures, waitUntil: now + wait });
    const byAddress = push(this.addressFailures, address, now, now - l.addressWindowMs);
    const byAccount = push(this.accountFailures, account, now, now - l.accountWindowMs);
    const forget = () => {
      drop(byAddress, now);
      drop(byAccount, now);
    };
    return {
      succeeded: () => {
        // This address starts afresh on this account (NIST: disregard its earlier failures).
        this.pairs.delete(pairKey);
        forget();
        this.trusted.set(pairKey, true);
        return Promise.resolve();
      },
      notTried: () => {
        if (before) this.pairs.set(pairKey, before);
        else this.pairs.delete(pairKey);
        forget();
        return Promise.resolve();
      },
    };
  }
}

function recent(times: number[] | undefined, after: number): number[] {
  if (!times) return [];
  while (times.length > 0 && times[0]! <= after) times.shift();
  return times;
}

function push(table: LRUCache<string, number[]>, key: string, now: number, after: number): number[] {
  const times = recent(table.get(key), after);
  times.push(now);
  table.set(key, times);
  return times;
}

function drop(times: number[], at: number): void {
  const i = times.lastIndexOf(at);
  if (i >= 0) times.splice(i, 1);
}
