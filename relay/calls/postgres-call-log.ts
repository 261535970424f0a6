import type { Logger } from '../platform/log';
import type { Sql } from '../platform/sql';
import type { Call, LoggedEvent } from './call';
import { callRow, eventRow, PRUNE, pruneParams, writeBatch, type CallLogStore, type CallRow, type EventRow } from './call-log-store';

/** How long writes are gathered before a transaction (the answer to Voicenter waits for it). */
const GATHER_MS = 10;
/** Requests written per transaction. */
const BATCH = 500;
/** After a failed write, the next try waits this long, doubling up to the maximum. */
const RETRY_MS = 250;
const RETRY_MAX_MS = 5_000;

export interface PostgresCallLogOptions {
  /**
   * Requests kept while PostgreSQL cannot be reached. Beyond it the oldest are dropped and
   * counted (`onDropped`): a relay must never run out of memory because its database is away.
   * 100,000 requests is ~20 minutes of a busy call centre's traffic (80 requests/s), ~60 MB.
   */
  maxPending?: number;
  onDropped?: (count: number) => void;
  log: Logger;
}

/** A request's rows, made when it is queued (the call goes on changing meanwhile). */
interface Entry {
  call: CallRow;
  events: EventRow[];
  /** Settles the request's promise (once written, or once kept after a failed try). */
  settle?: () => void;
}

/**
 * The call log on PostgreSQL: writes are queued and written in batches, one transaction each, as
 * fast as the database takes them. When it cannot be reached the queue is kept (bounded, see
 * maxPending) and written when it is back, oldest first: Voicenter is answered meanwhile, and no
 * call goes missing from the log. Reads are not immediate: a call is read back through the live
 * call state instead.
 */
export class PostgresCallLog implements CallLogStore {
  readonly readNow = null;
  readonly recentNow = null;
  readonly startedSinceNow = null;
  private queue: Entry[] = [];
  private writing: Promise<void> | null = null;
  private retryMs = 0;
  private retryTimer: NodeJS.Timeout | undefined;
  private readonly maxPending: number;

  constructor(
    private readonly sql: Sql,
    private readonly options: PostgresCallLogOptions,
  ) {
    this.maxPending = options.maxPending ?? 100_000;
  }

  write(call: Call, events: LoggedEvent[]): Promise<void> {
    const rows = { call: callRow(call), events: events.map(eventRow) };
    // A retry is pending: the database failed the last write, so this one is kept at once rather
    // than holding Voicenter's answer until the next try (which may be seconds away).
    if (this.retryTimer) {
      this.keep(rows);
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      this.keep({ ...rows, settle: resolve });
      this.startDrain();
    });
  }

  private keep(entry: Entry): void {
    this.queue.push(entry);
    if (this.queue.length > this.maxPending) this.drop(this.queue.length - this.maxPending);
  }

  pending(): number {
    return this.queue.length;
  }

  /** Writes everything queued now (resolves when written, or when the database refused: it stays queued). */
  async flush(): Promise<void> {
    while (this.writing) await this.writing;
    if (this.queue.length > 0) await this.drain();
  }

  async prune(before: number): Promise<number> {
    return this.sql.run(PRUNE, pruneParams(before));
  }

  /** Stops retrying (the relay is closing); what is still queued is lost with the process. */
  close(): void {
    clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
  }

  private drop(count: number): void {
    const dropped = this.queue.splice(0, count);
    for (const e of dropped) e.settle?.();
    this.options.onDropped?.(dropped.length);
    this.options.log.error({ dropped: dropped.length, kept: this.queue.length }, 'call log: PostgreSQL away too long, oldest requests dropped');
  }

  /** drain() with nothing waiting on it: the database's failures are kept and retried inside; anything else escaping is a fault, logged. */
  private startDrain(): void {
    this.drain().catch((err: unknown) => this.options.log.error({ err: (err as Error).message, pending: this.queue.length }, 'call log: writer failed'));
  }

  /** One writer at a time, batch after batch until the queue is empty or a write fails. */
  private drain(): Promise<void> {
    this.writing ??= (async () => {
      // Requests of the next few milliseconds go in one transaction: each commit is a flush to
      // PostgreSQL's disk, and fewer of them keep every relay's tail short (bench/RESULTS.md).
      await new Promise((resolve) => setTimeout(resolve, GATHER_MS));
      while (this.queue.length > 0) {
        const batch = this.queue.slice(0, BATCH);
        try {
          await this.sql.transaction((tx) => writeBatch(tx, batch));
        } catch (err) {
          if (isDataError(err)) {
            if (await this.oneByOne(batch)) continue;
            return;
          }
          this.failed(err);
          return;
        }
        // By identity: the oldest may have been dropped meanwhile (the queue over its bound).
        const written = new Set(batch);
        this.queue = this.queue.filter((e) => !written.has(e));
        for (const e of batch) e.settle?.();
        if (this.retryMs > 0) this.options.log.info({ left: this.queue.length }, 'call log: PostgreSQL is back, writing what was kept');
        this.retryMs = 0;
      }
    })().finally(() => {
      this.writing = null;
      // Queued while this writer was finishing: it would not have seen them.
      if (this.queue.length > 0 && !this.retryTimer) this.startDrain();
    });
    return this.writing;
  }

  /**
   * A batch PostgreSQL refused for what it holds (a value it cannot store), not for being away:
   * each request alone, so one bad request costs only itself, logged and counted as dropped.
   */
  private async oneByOne(batch: Entry[]): Promise<boolean> {
    for (const entry of batch) {
      try {
        await this.sql.transaction((tx) => writeBatch(tx, [entry]));
      } catch (err) {
        if (!isDataError(err)) {
          this.failed(err);
          return false;
        }
        this.options.log.error({ ivrid: entry.call.ivrid, err: (err as Error).message }, 'call log: a request PostgreSQL cannot store was dropped');
        this.options.onDropped?.(1);
      }
      const at = this.queue.indexOf(entry);
      if (at >= 0) this.queue.splice(at, 1);
      entry.settle?.();
    }
    return true;
  }

  private failed(err: unknown): void {
    if (this.retryMs === 0) this.options.log.error({ err: (err as Error).message, pending: this.queue.length }, 'call log: PostgreSQL write failed, keeping the calls to write later');
    // Kept: Voicenter may be answered now; the writes stay queued, first in line (those behind the batch too).
    for (const e of this.queue) {
      e.settle?.();
      delete e.settle;
    }
    this.retryMs = Math.min(this.retryMs === 0 ? RETRY_MS : this.retryMs * 2, RETRY_MAX_MS);
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      this.startDrain();
    }, this.retryMs);
    this.retryTimer.unref();
  }
}

/** SQLSTATE classes 22 (data exception) and 23 (integrity): the request's fault, not the connection's. */
const isDataError = (err: unknown) => {
  const code = (err as { code?: unknown }).code;
  return typeof code === 'string' && /^2[23]/.test(code);
};
