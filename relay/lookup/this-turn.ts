/**
 * For tests of what must be ready for a call's first message (the embedded directory, cache and
 * contact choices): the promise's value when it is settled before this turn of the event loop
 * ends, else a failure. A setImmediate callback runs only once every microtask of the turn has.
 */
export async function settledThisTurn<T>(promise: Promise<T>): Promise<T> {
  let settled: { value: T } | { error: unknown } | null = null;
  promise.then(
    (value) => (settled = { value }),
    (error: unknown) => (settled = { error }),
  );
  await new Promise((resolve) => setImmediate(resolve));
  const seen = settled as { value: T } | { error: unknown } | null;
  if (!seen) throw new Error('not settled within this turn: it waited for a timer or I/O');
  if ('error' in seen) throw seen.error;
  return seen.value;
}

/** Whether the promise is still pending once microtasks have run: it waits for I/O (a query to PostgreSQL). */
export async function pendingAfterMicrotasks(promise: Promise<unknown>): Promise<boolean> {
  let settled = false;
  promise.then(
    () => (settled = true),
    () => (settled = true),
  );
  for (let i = 0; i < 20; i++) await Promise.resolve();
  return !settled;
}
