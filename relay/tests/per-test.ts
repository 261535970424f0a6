import { afterAll, afterEach } from 'vitest';
import type { Store } from '../platform/store';
import { emptyStore, freshPostgres, freshRedis, type ENGINES, type TestDatabase } from './services';

/**
 * PostgreSQL and Redis for one test file — a database and a key prefix of its own — removed once
 * the file's tests are done (after the file's own afterAll hooks: those run first). `ready` is
 * false when either server is skipped (said once, by freshPostgres/freshRedis).
 */
export async function clusterServices() {
  const database = await freshPostgres();
  const redis = await freshRedis();
  afterAll(async () => {
    await redis?.drop();
    await database?.drop();
  });
  return { database, redis, ready: database !== null && redis !== null };
}

/**
 * Inside a `describe.each(ENGINES)`: an empty store of that engine for each test, closed after it;
 * the test is skipped when PostgreSQL is not there.
 */
export function storePerTest(engine: (typeof ENGINES)[number], database: TestDatabase | null): (skip: (note: string) => void) => Promise<Store> {
  let store: Store | undefined;
  afterEach(async () => {
    await store?.close();
    store = undefined;
  });
  return async (skip) => {
    const opened = await emptyStore(engine, database);
    if (!opened) skip('PostgreSQL is not reachable');
    return (store = opened!);
  };
}
