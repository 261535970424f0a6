import type { Identity } from '../../shared/messages';
import type { DB } from '../platform/db';

export interface CacheSettings {
  /** How long a found caller is answered from the cache without asking again. */
  positiveTtlMs: number;
  /** How long "nobody has this number" is remembered. */
  negativeTtlMs: number;
  /** After the TTL, how long the old answer is still given at once while a refresh runs behind. */
  staleMs: number;
  maxEntries: number;
}

export interface Cached {
  identity: Identity;
  /** Past its TTL: give it now, refresh behind (stale-while-revalidate). */
  stale: boolean;
}

/**
 * The answers of remote sources, by number, in SQLite (so `npm run relay -- cache clear` works on
 * a running relay, and the cache survives restarts). Separate from the directory's contacts.
 */
export class LookupCache {
  private readonly read;
  private readonly write;
  private readonly trim;

  constructor(
    private readonly db: DB,
    private readonly settings: CacheSettings,
    private readonly now: () => number = Date.now,
  ) {
    this.read = db.prepare<[string], { identity: string; fresh_until: number; stale_until: number }>(
      'SELECT identity, fresh_until, stale_until FROM lookup_cache WHERE key = ?',
    );
    this.write = db.prepare(
      'INSERT OR REPLACE INTO lookup_cache (key, identity, stored_at, fresh_until, stale_until) VALUES (?, ?, ?, ?, ?)',
    );
    this.trim = db.prepare(
      'DELETE FROM lookup_cache WHERE key IN (SELECT key FROM lookup_cache ORDER BY stored_at DESC LIMIT -1 OFFSET ?)',
    );
  }

  get(key: string): Cached | null {
    const row = this.read.get(key);
    const now = this.now();
    if (!row || row.stale_until <= now) return null;
    return { identity: JSON.parse(row.identity) as Identity, stale: row.fresh_until <= now };
  }

  set(key: string, identity: Identity): void {
    const now = this.now();
    const ttl = identity.status === 'unknown' ? this.settings.negativeTtlMs : this.settings.positiveTtlMs;
    this.write.run(key, JSON.stringify(identity), now, now + ttl, now + ttl + this.settings.staleMs);
  }

  /** Keeps the newest `maxEntries` answers. */
  prune(): number {
    return this.trim.run(this.settings.maxEntries).changes;
  }

  clear(): number {
    return this.db.prepare('DELETE FROM lookup_cache').run().changes;
  }
}
