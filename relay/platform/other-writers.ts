import type { DB } from './db';

/** How often it looks: a change by another process is seen within this long. */
const CHECK_EVERY_MS = 1_000;

/**
 * Tells whether another connection — the CLI importing contacts, another process on the same
 * file — committed to the database since it last looked (SQLite's `data_version`). It looks at
 * most once a second: on a busy relay asking at every request cost a tenth of its CPU (a
 * CPU profile, bench/RESULTS.md, issue 16). The relay's own writes do not count: what caches
 * them clears itself when it writes. A WAL checkpoint does not count either (it changes no data).
 */
export class OtherWriters {
  private readonly version;
  private last: unknown;
  private nextLook = 0;

  constructor(db: DB, private readonly everyMs = CHECK_EVERY_MS) {
    this.version = db.prepare('PRAGMA data_version').pluck();
    this.last = this.version.get();
  }

  /** True once after each commit by another connection (seen within `everyMs`). */
  wrote(now = performance.now()): boolean {
    if (now < this.nextLook) return false;
    this.nextLook = now + this.everyMs;
    const version = this.version.get();
    if (version === this.last) return false;
    this.last = version;
    return true;
  }
}
