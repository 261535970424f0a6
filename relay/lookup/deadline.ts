/** The work's answer, or the error `late` makes once `ms` have passed without one (the work goes on unheard). */
export function withDeadline<T>(work: Promise<T>, ms: number, late: () => Error): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(late()), ms);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

/** A database read not answered in time, in words. */
export const unanswered = (what: string, ms: number) => () => new Error(`${what} did not answer within ${ms} ms`);

/** How a read of PostgreSQL falls back on the relay's own copy. */
export interface CopyBehind {
  /** How long PostgreSQL is given before the copy answers. */
  afterMs: number;
  /** PostgreSQL away, or a query unanswered while its probe asks: the copy answers at once. */
  doubtful: () => boolean;
}

/**
 * `read` answered by PostgreSQL within `afterMs`, else by `fromCopy` (given why) — at once while
 * the database is in doubt: under load, waiting each read's own deadline in a row pushed a caller
 * past Voicenter's budget.
 */
export function readOrCopy<T>(read: () => Promise<T>, fromCopy: (why: unknown) => T, behind: CopyBehind, what: string): Promise<T> {
  if (behind.doubtful()) return new Promise<T>((resolve) => resolve(fromCopy(new Error(`${what}: PostgreSQL is in doubt`))));
  return withDeadline(read(), behind.afterMs, unanswered(what, behind.afterMs)).catch(fromCopy);
}

/**
 * A signal that aborts after `ms` (as AbortSignal.timeout does, with a TimeoutError), held alive by
 * its own timer: in Node 20 a timeout signal given only to AbortSignal.any can be garbage-collected
 * before it fires, and a CRM that never answers then held the lookup past its timeout for good.
 * `clear` once the work is answered.
 */
export function timeoutSignal(ms: number): { signal: AbortSignal; clear: () => void } {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(new DOMException('The operation was aborted due to timeout', 'TimeoutError')), ms);
  // Like AbortSignal.timeout's own: it does not keep the process running (the request it bounds does).
  timer.unref();
  return { signal: controller.signal, clear: () => clearTimeout(timer) };
}
