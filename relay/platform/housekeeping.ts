/** A task the relay repeats, and how often (ms). */
export interface Chore {
  every: number;
  /** May return a promise: its failure is reported, and the chore is not started again while it runs. */
  run: () => unknown;
}

/**
 * Runs the relay's repeated chores (session revocation checks, stale calls, replay pruning, log
 * retention) on timers that never keep the process alive; returns the stop.
 */
export function startHousekeeping(chores: Chore[], onError: (err: unknown) => void): () => void {
  const timers = chores.map(({ every, run }) => {
    let running = false;
    return setInterval(() => {
      if (running) return;
      try {
        const result = run();
        if (result instanceof Promise) {
          running = true;
          result.catch(onError).finally(() => (running = false));
        }
      } catch (err) {
        onError(err);
      }
    }, every).unref();
  });
  return () => timers.forEach(clearInterval);
}
