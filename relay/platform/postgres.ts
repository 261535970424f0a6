import type pg from 'pg';
import { POSTGRES_MIGRATIONS, refuseNewer, SchemaError } from './schema';

/** Several relays may start at once: one migrates, the others wait (a session-wide advisory lock). */
const MIGRATION_LOCK = 0x5c7e_e9_0f;

const INT8 = 20;

/** A server's URL (PostgreSQL, Redis) with its password hidden, for messages and logs. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return '(a URL that cannot be read)';
  }
}

/**
 * A pool on RELAY_DATABASE_URL; a failure to reach it names the setting, never the password.
 * `connectMs`: how long a new connection may take (the serving relay's is short, see postgres-link.ts).
 */
export async function connectPostgres(url: string, connectMs = 5_000): Promise<pg.Pool> {
  // Loaded here: a relay on the embedded file never loads pg (memory, issue 16).
  const { default: postgres } = await import('pg');
  /** Times are milliseconds and ids far below 2^53: BIGINT and COUNT(*) come back as numbers, as from SQLite. */
  const getTypeParser = ((oid: number) => (oid === INT8 ? (value: string) => Number(value) : (postgres.types.getTypeParser(oid) as (value: string) => unknown))) as typeof pg.types.getTypeParser;
  const pool = new postgres.Pool({ connectionString: url, max: 10, connectionTimeoutMillis: connectMs, types: { getTypeParser } });
  // An idle client whose server went away must not crash the relay.
  pool.on('error', () => undefined);
  try {
    await pool.query('SELECT 1');
  } catch (err) {
    await pool.end();
    throw new SchemaError(`RELAY_DATABASE_URL: cannot reach PostgreSQL at ${redactUrl(url)}: ${(err as Error).message}`);
  }
  return pool;
}

/** The schema version of the database (0: none yet). */
export async function postgresVersion(pool: pg.Pool): Promise<number> {
  const table = await pool.query<{ exists: boolean }>("SELECT to_regclass('public.relay_schema') IS NOT NULL AS exists");
  if (!table.rows[0]?.exists) {
    const foreign = await pool.query<{ n: string }>("SELECT count(*) AS n FROM information_schema.tables WHERE table_schema = 'public'");
    if (Number(foreign.rows[0]?.n) > 0) throw new SchemaError('RELAY_DATABASE_URL: the database holds tables that are not the relay\'s: give the relay a database of its own');
    return 0;
  }
  const found = await pool.query<{ version: number }>('SELECT max(version) AS version FROM relay_schema');
  return found.rows[0]?.version ?? 0;
}

/**
 * Brings the database to this relay's schema, one version per transaction; refuses a newer one.
 * Returns the versions before and after.
 */
export async function migratePostgres(pool: pg.Pool): Promise<{ from: number; to: number }> {
  const client = await pool.connect();
  try {
    await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK]);
    const from = await postgresVersion(pool);
    refuseNewer(from, 'the PostgreSQL database (RELAY_DATABASE_URL)');
    if (from === 0) await client.query('CREATE TABLE relay_schema (version INTEGER PRIMARY KEY, applied_at BIGINT NOT NULL)');
    for (let v = from; v < POSTGRES_MIGRATIONS.length; v++) {
      await client.query('BEGIN');
      try {
        await client.query(POSTGRES_MIGRATIONS[v]!);
        await client.query('INSERT INTO relay_schema (version, applied_at) VALUES ($1, $2)', [v + 1, Date.now()]);
        await client.query('COMMIT');
      } catch (err) {
        await client.query('ROLLBACK');
        throw err;
      }
    }
    return { from, to: POSTGRES_MIGRATIONS.length };
  } finally {
    await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK]).catch(() => undefined);
    client.release();
  }
}
