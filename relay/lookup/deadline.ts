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
