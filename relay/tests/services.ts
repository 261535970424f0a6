import { randomBytes } from 'node:crypto';
import pg from 'pg';

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
