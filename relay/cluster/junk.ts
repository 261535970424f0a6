import type { z } from 'zod';
import { boundedCache } from '../platform/bounded-cache';
import type { Logger } from '../platform/log';

/**
 * What the relays read from Redis is read like what comes over the wire: checked against its
 * schema, and what does not fit (another program's key, a damaged value, a hand at redis-cli) is
 * junk — left out, costing only itself, and said once as what it is. Never taken for Redis being
 * away: that is another failure, with its own line.
 */

/** Redis answered, refusing the command: the key holds another type than the command needs. */
export const isWrongType = (err: unknown): boolean => err instanceof Error && err.name === 'ReplyError' && err.message.startsWith('WRONGTYPE');

/** Redis answered, refusing the command (any reason): not a connection failure. */
export const isRefused = (err: unknown): boolean => err instanceof Error && err.name === 'ReplyError';

/** The value as `schema` reads it from JSON text; null when it is not JSON, longer than `maxChars`, or not of the schema. */
export function readJson<T>(schema: z.ZodType<T>, text: string | null | undefined, maxChars: number): T | null {
  if (typeof text !== 'string' || text.length > maxChars) return null;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return null;
  }
  const parsed = schema.safeParse(value);
  return parsed.success ? parsed.data : null;
}

/** How long a key's junk, said once, is not said again (it stays until it is overwritten or expires). */
const QUIET_MS = 3_600_000;

/** Junk said once per key and kind (for an hour), however often it is read meanwhile. */
export class JunkLog {
  private readonly said = boundedCache<string, true>(1_000, { ttl: QUIET_MS });

  constructor(private readonly log: Logger) {}

  /** Junk that stays where it is (it is read again): said the first time. */
  once(key: string, what: string, fields: Record<string, unknown> = {}): void {
    const id = `${what}\n${key}`;
    if (this.said.has(id)) return;
    this.said.set(id, true);
    this.log.warn({ key, ...fields }, what);
  }

  /** Junk that is gone once said (replaced, or read once): said each time. */
  now(key: string, what: string, fields: Record<string, unknown> = {}): void {
    this.log.warn({ key, ...fields }, what);
  }
}
