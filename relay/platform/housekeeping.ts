/** A task the relay repeats, and how often (ms). */
export interface Chore {
  every: number;
  run: () => void;
}

/**
 * Runs the relay's repeated chores (session revocation checks, stale calls, replay pruning, log
 * retention) on timers that never keep the process alive; returns the stop.
 */
export function startHousekeeping(chores: Chore[], onError: (err: unknown) => void): () => void {
  const timers = chores.map(({ every, run }) =>
    setInterval(() => {
      try {
        run();
      } catch (err) {
        onError(err);
      }
    }, every).unref(),
  );
  return () => timers.forEach(clearInterval);
}
