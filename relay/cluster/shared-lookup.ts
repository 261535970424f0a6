import type { Redis } from 'ioredis';
import type { Identity } from '../../shared/messages';
import type { Identify } from '../calls/call-flow';
import { readIdentity } from './call-store';
import { keys } from './keys';

/** How often a relay that did not look the caller up checks whether the one that did has found them. */
const POLL_MS = 25;

/**
 * One lookup per call across relays: Voicenter sends a queue call's requests (one per station)
 * at once, often to different relays. The first relay to claim `lookup:<ivrid>` asks the CRM; the
 * others wait for the identity it stores with the call (`call:<ivrid>:identity`, SharedCalls),
 * within `waitMs`, and look it up themselves only if it does not come (that relay died, or Redis
 * is away).
 */
export function sharedIdentify(redis: Redis, identify: Identify, waitMs: number): Identify {
  return (phone, event) => {
    if (!event || phone.withheld) return identify(phone, event);
    const ivrid = event.ivrid;
    return redis.set(keys.lookup(ivrid), '1', 'PX', waitMs * 4, 'NX').then(
      (claimed) => (claimed ? identify(phone, event) : found(redis, ivrid, waitMs).then((identity) => identity ?? identify(phone, event))),
      () => identify(phone, event),
    );
  };
}

async function found(redis: Redis, ivrid: string, waitMs: number): Promise<Identity | null> {
  const until = Date.now() + waitMs;
  while (Date.now() < until) {
    // Not yet there, Redis away, or junk (said by CallStore when it reads the call): asked again, then looked up here.
    const identity = readIdentity(await redis.get(keys.identity(ivrid)).catch(() => null));
    if (identity) return identity;
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
  return null;
}
