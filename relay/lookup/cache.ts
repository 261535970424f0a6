import type { Identity } from '../../shared/messages';
import { SqliteSql, type Sql } from '../platform/sql';

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

interface Row {
  identity: string;
  fresh_until: number;
  stale_until: number;
}

const READ = 'SELECT identity, fresh_until, stale_until FROM lookup_cache WHERE key = ?';

/**
 * The answers of remote sources, by number, in the relay's database (so `npm run relay -- cache
 * clear` works on a running relay, the cache survives restarts, and several relays share it).
 * Separate from the directory's contacts. On the embedded file a read answers at once.
 */
export class LookupCache {
  private readonly readNow: ((key: string) => Row | undefined) | null;

  constructor(
    private readonly sql: Sql,
    private readonly settings: CacheSettings,
    private readonly now: () => number = Date.now,
  ) {
    const read = sql instanceof SqliteSql ? sql.db.prepare<[string], Row>(READ) : null;
    this.readNow = read ? (key) => read.get(key) : null;
  }

  get(key: string): Cached | null | Promise<Cached | null> {
    if (this.readNow) return this.cached(this.readNow(key));
    return this.sql.get<Row>(READ, [key]).then((row) => this.cached(row));
  }

  private cached(row: Row | undefined): Cached | null {
    const now = this.now();
    if (!row || row.stale_until <= now) return null;
    return { identity: JSON.parse(row.identity) as Identity, stale: row.fresh_until <= now };
  }

  async set(key: string, identity: Identity): Promise<void> {
    const now = this.now();
    const ttl = identity.status === 'unknown' ? this.settings.negativeTtlMs : this.settings.positiveTtlMs;
    await this.sql.run(
      `INSERT INTO lookup_cache (key, identity, stored_at, fresh_until, stale_until) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (key) DO UPDATE SET identity = excluded.identity, stored_at = excluded.stored_at,
         fresh_until = excluded.fresh_until, stale_until = excluded.stale_until`,
      [key, JSON.stringify(identity), now, now + ttl, now + ttl + this.settings.staleMs],
    );
  }

  /** Keeps the newest `maxEntries` answers. */
  prune(): Promise<number> {
    return this.sql.run(
      `DELETE FROM lookup_cache WHERE stored_at < (SELECT stored_at FROM lookup_cache ORDER BY stored_at DESC LIMIT 1 OFFSET ?)`,
      [this.settings.maxEntries - 1],
    );
  }

  clear(): Promise<number> {
    return this.sql.run('DELETE FROM lookup_cache');
  }
}
