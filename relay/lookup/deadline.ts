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
