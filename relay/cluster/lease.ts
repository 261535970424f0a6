import { createHash, randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { Redis } from 'ioredis';
import type { Logger } from '../platform/log';
import { keys } from './keys';

/**
 * Keeps the lease when it is this holder's (ARGV[1]), takes it when nobody holds it (it was never
 * taken, released, or it lapsed while Redis was away from its holder); 1: held by ARGV[1] now, 0:
 * another holds it. One script: a relay never extends, or takes over, a lease another holds. A
 * value that never expires, or is not a string, is no relay's (every lease is a string set with its
 * time to live): it would keep the work from every relay for good, so it is taken over.
 */
const CLAIM = `
local holder = redis.call('TYPE', KEYS[1]).ok == 'string' and redis.call('GET', KEYS[1])
if holder == ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return 1
end
if holder and redis.call('PTTL', KEYS[1]) ~= -1 then return 0 end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
return 1`;

/** Lets the lease go only when it is still this holder's. */
const RELEASE = `
if redis.call('TYPE', KEYS[1]).ok == 'string' and redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`;

export interface LeaseTimings {
  /** How long a lease lives without being renewed: a dead holder's work is taken over after this. */
  ttlMs: number;
  /** How often the holder renews it, and the others try to take it. */
  everyMs: number;
}

/** A holder that stops renewing (killed, stalled) is replaced within 5–6 s. */
export const LEASE_TIMINGS: LeaseTimings = { ttlMs: 5_000, everyMs: 1_000 };

/** What a lease's value may be (a holder's name, see Lease.holder); anything else in Redis is not one. */
const HOLDER = /^[\w.-]{1,100}:\d{1,10}:[\w-]{36}$/;

export interface LeaseOptions {
  /** What the lease is for, in the logs. */
  what: string;
  /** Called when this relay takes the lease, and when it loses it to another relay. */
  onGained: () => void;
  onLost: () => void;
  log: Logger;
  timings?: LeaseTimings;
}

/**
 * One relay of several does a piece of work (holds one connection to Voicenter): whichever holds
 * the lease in Redis (`key`, SET NX PX with this relay's own value), renewed while it lives and let
 * go when it stops; another relay takes it once it lapses. While Redis cannot be reached nothing
 * changes hands: the holder keeps the work (it may not be renewed, but nobody else can take it from
 * that Redis either) and the others keep waiting.
 */
export class Lease {
  /** This relay's value in the lease: its host, process and a random part (two relays on one host differ). */
  readonly holder = `${hostname().replace(/[^\w.-]/g, '-').slice(0, 100) || 'relay'}:${process.pid}:${randomUUID()}`;
  private held = false;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  private unreachable = false;
  private readonly timings: LeaseTimings;

  constructor(
    private readonly redis: Redis,
    private readonly key: string,
    private readonly options: LeaseOptions,
  ) {
    this.timings = options.timings ?? LEASE_TIMINGS;
  }

  /** The first claim is awaited: a relay that starts knows whether it holds the lease before it serves. */
  async start(): Promise<void> {
    await this.claim();
    this.schedule();
  }

  holding(): boolean {
    return this.held;
  }

  /** Who holds the lease now (Lease.holder's form), or null: nobody, Redis away, or a value that is not one. */
  async current(): Promise<string | null> {
    const value = await this.redis.get(this.key).catch(() => null);
    return typeof value === 'string' && HOLDER.test(value) ? value : null;
  }

  /** Stops renewing and lets the lease go, so another relay takes the work within a second. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    if (!this.held) return;
    this.held = false;
    await this.redis.eval(RELEASE, 1, this.key, this.holder).catch((err: unknown) => this.options.log.warn({ err: (err as Error).message, what: this.options.what }, 'could not let the lease go: it lapses by itself'));
  }

  private schedule(): void {
    if (this.stopped) return;
    // One claim after the other (a slow Redis never has two on their way).
    this.timer = setTimeout(() => {
      this.claim()
        .finally(() => this.schedule())
        .catch((err: unknown) => this.options.log.error({ err: (err as Error).message, what: this.options.what }, 'lease: a claim failed'));
    }, this.timings.everyMs);
    this.timer.unref();
  }

  private async claim(): Promise<void> {
    let answer: unknown;
    try {
      answer = await this.redis.eval(CLAIM, 1, this.key, this.holder, String(this.timings.ttlMs));
    } catch (err) {
      if (!this.unreachable) this.options.log.warn({ err: (err as Error).message, what: this.options.what, holding: this.held }, 'lease: Redis unreachable, nothing changes hands meanwhile');
      this.unreachable = true;
      return;
    }
    this.unreachable = false;
    const mine = Number(answer) === 1;
    if (this.stopped) {
      // Stopped while this claim was on its way: what it took is let go at once.
      if (mine) await this.redis.eval(RELEASE, 1, this.key, this.holder).catch(() => undefined);
      return;
    }
    if (mine === this.held) return;
    this.held = mine;
    this.options.log.info({ what: this.options.what, holder: this.holder }, mine ? 'lease taken: this relay does the work' : 'lease held by another relay: this one stops the work');
    if (mine) this.options.onGained();
    else this.options.onLost();
  }
}

/**
 * Several relays: the Voicenter Real-Time API connected by one relay per account, whichever holds
 * its lease (the key is named by a digest of the account's token, never the token itself).
 */
export async function holdRealtime(redis: Redis, token: string, source: { start(): void; stop(): void }, log: Logger): Promise<Lease> {
  const key = keys.lease(createHash('sha256').update(token).digest('hex').slice(0, 16));
  const lease = new Lease(redis, key, { what: 'Voicenter Real-Time API', onGained: () => source.start(), onLost: () => source.stop(), log });
  await lease.start();
  return lease;
}
