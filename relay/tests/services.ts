import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import pg from 'pg';
import { openStore, type Store } from '../platform/store';

/**
 * The machine's PostgreSQL for cluster tests: a fresh database per test file, dropped after.
 * CI sets SCREENPOP_REQUIRE_SERVICES=1: then a server that cannot be reached fails the run; on a
 * laptop without one, the tests that need it are skipped, and this says so plainly.
 */
export const SERVICES_REQUIRED = process.env.SCREENPOP_REQUIRE_SERVICES === '1';
const ADMIN_URL = process.env.SCREENPOP_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

export interface TestDatabase {
  url: string;
  drop(): Promise<void>;
}

export async function freshPostgres(): Promise<TestDatabase | null> {
  const admin = new pg.Client({ connectionString: ADMIN_URL, connectionTimeoutMillis: 3_000 });
  try {
    await admin.connect();
  } catch (err) {
    const why = `PostgreSQL is not reachable at ${ADMIN_URL} (${(err as Error).message})`;
    if (SERVICES_REQUIRED) throw new Error(`${why}: SCREENPOP_REQUIRE_SERVICES=1 makes this a failure`, { cause: err });
    console.warn(`Skipping the PostgreSQL tests: ${why}. Start PostgreSQL (or set SCREENPOP_TEST_POSTGRES_URL) to run them.`);
    return null;
  }
  const name = `screenpop_test_${randomBytes(6).toString('hex')}`;
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(ADMIN_URL);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      const again = new pg.Client({ connectionString: ADMIN_URL });
      await again.connect();
      await again.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await again.end();
    },
  };
}

/** The engines a store test runs on: the embedded file always, PostgreSQL when reachable (see freshPostgres). */
export const ENGINES = ['sqlite', 'postgres'] as const;

/**
 * A store of that engine, empty, for one test: a fresh SQLite file, or the test file's PostgreSQL
 * database with every relay table emptied. `null` when PostgreSQL is skipped (said once, above).
 */
export async function emptyStore(engine: (typeof ENGINES)[number], database: TestDatabase | null): Promise<Store | null> {
  if (engine === 'sqlite') return openStore({ RELAY_DATA_DIR: mkdtempSync(join(tmpdir(), 'store-')), RELAY_DATABASE_URL: undefined });
  if (!database) return null;
  const store = await openStore({ RELAY_DATA_DIR: '', RELAY_DATABASE_URL: database.url });
  const tables = await store.sql.all<{ name: string }>("SELECT tablename AS name FROM pg_tables WHERE schemaname = 'public' AND tablename <> 'relay_schema'");
  // On the pool itself: the relay's own queries are bounded in time, and a loaded machine may take longer to empty them all.
  await store.link!.pool.query(`TRUNCATE ${tables.map((t) => t.name).join(', ')} RESTART IDENTITY CASCADE`);
  return store;
}

const REDIS_URL = process.env.SCREENPOP_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

export interface TestRedis {
  url: string;
  /** This test file's own key prefix: nothing else on the server is read or removed. */
  prefix: string;
  drop(): Promise<void>;
}

/** The machine's Redis for cluster tests: a fresh key prefix per test file, its keys removed after. */
export async function freshRedis(): Promise<TestRedis | null> {
  const client = new Redis(REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 0, connectTimeout: 3_000, retryStrategy: () => null });
  client.on('error', () => undefined);
  try {
    await client.connect();
  } catch (err) {
    client.disconnect();
    const why = `Redis is not reachable at ${REDIS_URL} (${(err as Error).message})`;
    if (SERVICES_REQUIRED) throw new Error(`${why}: SCREENPOP_REQUIRE_SERVICES=1 makes this a failure`, { cause: err });
    console.warn(`Skipping the Redis tests: ${why}. Start Redis (or set SCREENPOP_TEST_REDIS_URL) to run them.`);
    return null;
  }
  const prefix = `screenpop-test-${randomBytes(6).toString('hex')}:`;
  return {
    url: REDIS_URL,
    prefix,
    async drop() {
      const keys = await client.keys(`${prefix}*`);
      if (keys.length > 0) await client.del(...keys);
      client.disconnect();
    },
  };
}
