import type { DB } from './db';

/**
 * Commits writes in groups: every write queued during one turn of the event loop goes into one
 * SQLite transaction, run right after that turn (setImmediate). Under light load each write
 * commits at once; under heavy load one commit serves many requests. A commit costs ~45 µs
 * here and the writes of a pop-up request ~5 µs (bench/RESULTS.md), so this is most of the
 * relay's throughput.
 */
export class GroupCommit {
  private pending: (() => void)[] = [];
  private waiters: { resolve: () => void; reject: (err: unknown) => void }[] = [];
  private scheduled = false;

  constructor(private readonly db: DB) {}

  /** Queues a write; the promise settles once it is committed (or its group failed). */
  write(fn: () => void): Promise<void> {
    this.pending.push(fn);
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => this.flush());
    }
    return new Promise((resolve, reject) => this.waiters.push({ resolve, reject }));
  }

  /** Commits everything queued now. */
  flush(): void {
    this.scheduled = false;
    const writes = this.pending;
    const waiters = this.waiters;
    this.pending = [];
    this.waiters = [];
    if (writes.length === 0) return;
    try {
      this.db.transaction(() => {
        for (const w of writes) w();
      })();
    } catch (err) {
      for (const w of waiters) w.reject(err);
      return;
    }
    for (const w of waiters) w.resolve();
  }
}
