import type { Config } from './config';
import { openDatabase, type DB } from './db';
import { connectPostgres, migratePostgres } from './postgres';
import { PostgresLink, POSTGRES_TIMEOUTS, type LinkStatus } from './postgres-link';
import { PostgresSql, SqliteSql, type Sql } from './sql';

/** Where the relay keeps what lasts: the embedded SQLite file, or PostgreSQL when RELAY_DATABASE_URL is set. */
export interface Store {
  sql: Sql;
  /** The SQLite connection itself, for what only the embedded engine has (WAL checkpoints, group commits). */
  sqlite: DB | null;
  /** PostgreSQL: whether the relay reaches it now, and what it saw when it did not. */
  link: PostgresLink | null;
  close(): Promise<void>;
}

/** Opens the store the settings name, bringing its schema up to date (refusing a newer one). */
export async function openStore(config: Pick<Config, 'RELAY_DATA_DIR' | 'RELAY_DATABASE_URL'>, onLinkChange?: (status: LinkStatus) => void): Promise<Store> {
  if (!config.RELAY_DATABASE_URL) return embeddedStore(openDatabase(config.RELAY_DATA_DIR));
  const pool = await connectPostgres(config.RELAY_DATABASE_URL, POSTGRES_TIMEOUTS.connectMs);
  try {
    await migratePostgres(pool);
  } catch (err) {
    await pool.end();
    throw err;
  }
  // Migrations above may take long; what the relay serves from here on is bounded in time.
  const link = new PostgresLink(pool, POSTGRES_TIMEOUTS, onLinkChange);
  return { sql: new PostgresSql(link), sqlite: null, link, close: () => link.end() };
}

export function embeddedStore(db: DB): Store {
  return {
    sql: new SqliteSql(db),
    sqlite: db,
    link: null,
    close: () => Promise.resolve(void db.close()),
  };
}
