import type { DB } from './db';

/**
 * Tells whether another connection — the CLI importing contacts, another process on the same
 * file — committed to the database since the last time it was asked (SQLite's `data_version`,
 * ~2 µs). The relay's own writes do not count: what caches them clears itself when it writes.
 * A WAL checkpoint does not count either (it changes no data).
 */
export class OtherWriters {
  private readonly version;
  private last: unknown;

  constructor(db: DB) {
    this.version = db.prepare('PRAGMA data_version').pluck();
    this.last = this.version.get();
  }

  /** True once after each commit by another connection. */
  wrote(): boolean {
    const now = this.version.get();
    if (now === this.last) return false;
    this.last = now;
    return true;
  }
}
