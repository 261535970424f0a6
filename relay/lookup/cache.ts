import type { Identity } from '../../shared/messages';
import type { LRUCache } from 'lru-cache';
import { boundedCache } from '../platform/bounded-cache';
import { SqliteSql, type Sql } from '../platform/sql';
import { readOrCopy, type CopyBehind } from './deadline';

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
  /** Read from the relay's own copy: PostgreSQL did not answer in time. */
  fromCopy?: true;
}

/** Answers the relay keeps of its own, for PostgreSQL away: the most recently used (~300 bytes each). */
const COPY_ENTRIES = 20_000;

interface Row {
  identity: string;
  fresh_until: number;
  stale_until: number;
}

const READ = 'SELECT identity, fresh_until, stale_until FROM lookup_cache WHERE key = ?';

/**
 * The answers of remote sources, by number, in the relay's database (so `npm run relay -- cache
 * clear` works on a running relay, the cache survives restarts, and several relays share it).
 * Separate from the directory's contacts. On the embedded file a read is settled within the turn.
 */
export class LookupCache {
  private readonly readNow: ((key: string) => Row | undefined) | null;
  /**
   * PostgreSQL: the answers this relay read or wrote lately, for when the database does not answer
   * within `copyAfterMs`. Stale rows are served from it as from the database (stale-while-revalidate).
   */
  private copy: (CopyBehind & { rows: LRUCache<string, Row> }) | null = null;

  constructor(
    private readonly sql: Sql,
    private readonly settings: CacheSettings,
    private readonly now: () => number = Date.now,
  ) {
    const read = sql instanceof SqliteSql ? sql.db.prepare<[string], Row>(READ) : null;
    this.readNow = read ? (key) => read.get(key) : null;
  }

  /** On the embedded file settled within the turn (a prepared read, no I/O wait). */
  async get(key: string): Promise<Cached | null> {
    if (this.readNow) return this.cached(this.readNow(key));
    const copy = this.copy;
    if (!copy) return this.sql.get<Row>(READ, [key]).then((row) => this.cached(row));
    const asked = () => this.sql.get<Row>(READ, [key]).then((row) => {
      if (row) copy.rows.set(key, row);
      return this.cached(row);
    });
    return readOrCopy(asked, (why) => {
      const row = copy.rows.get(key);
      if (!row) throw why;
      const cached = this.cached(row);
      return cached && { ...cached, fromCopy: true as const };
    }, copy, 'the lookup cache');
  }

  /**
   * PostgreSQL: keep a copy of recent answers, read when the database has not answered within
   * `afterMs` — at once while it is in doubt (`doubtful`).
   */
  useCopy(afterMs: number, doubtful: () => boolean = () => false): void {
    this.copy = { rows: boundedCache<string, Row>(COPY_ENTRIES), afterMs, doubtful };
  }

  /** Fills the copy with the newest answers of every relay (at start). */
  async warmCopy(): Promise<number> {
    if (!this.copy) return 0;
    const rows = await this.sql.all<Row & { key: string }>('SELECT key, identity, fresh_until, stale_until FROM lookup_cache WHERE stale_until > ? ORDER BY stored_at DESC LIMIT ?', [this.now(), COPY_ENTRIES]);
    // Oldest first, so the newest end up the most recently used.
    for (const { key, ...row } of rows.reverse()) if (!this.copy.rows.has(key)) this.copy.rows.set(key, row);
    return rows.length;
  }

  private cached(row: Row | undefined): Cached | null {
    const now = this.now();
    if (!row || row.stale_until <= now) return null;
    return { identity: JSON.parse(row.identity) as Identity, stale: row.fresh_until <= now };
  }

  async set(key: string, identity: Identity): Promise<void> {
    const now = this.now();
    const ttl = identity.status === 'unknown' ? this.settings.negativeTtlMs : this.settings.positiveTtlMs;
    this.copy?.rows.set(key, { identity: JSON.stringify(identity), fresh_until: now + ttl, stale_until: now + ttl + this.settings.staleMs });
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
    this.copy?.rows.clear();
    return this.sql.run('DELETE FROM lookup_cache');
  }
}
