import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { Config } from '../platform/config';
import { openDatabase } from '../platform/db';
import { connectPostgres, migratePostgres, redactUrl } from '../platform/postgres';
import { SCHEMA_VERSION } from '../platform/schema';
import { copyToPostgres } from './db-copy';

export interface DbIo {
  out: (line: string) => void;
}

/** `db migrate` and `db copy --to <postgres url>`; returns the exit code. */
export async function dbCommand(config: Config, args: string[], io: DbIo, usage: (message: string) => Error): Promise<number> {
  const { values, positionals } = parseArgs({ args, allowPositionals: true, options: { to: { type: 'string' } } });
  const [action] = positionals;
  if (action === 'migrate') return migrate(config, io);
  if (action === 'copy') {
    if (!values.to || !/^postgres(ql)?:\/\//i.test(values.to)) throw usage('db copy --to <postgres://user@host/database>');
    return copy(config, values.to, io);
  }
  throw usage('db migrate | db copy --to <postgres url>');
}

async function migrate(config: Config, io: DbIo): Promise<number> {
  if (!config.RELAY_DATABASE_URL) {
    // Opening the embedded database migrates it.
    openDatabase(config.RELAY_DATA_DIR).close();
    io.out(`Embedded database in ${config.RELAY_DATA_DIR}: schema version ${SCHEMA_VERSION}.`);
    return 0;
  }
  const pool = await connectPostgres(config.RELAY_DATABASE_URL);
  try {
    const { from, to } = await migratePostgres(pool);
    io.out(from === to ? `PostgreSQL (${redactUrl(config.RELAY_DATABASE_URL)}): schema version ${to}, nothing to do.` : `PostgreSQL (${redactUrl(config.RELAY_DATABASE_URL)}): schema version ${from} → ${to}.`);
    return 0;
  } finally {
    await pool.end();
  }
}

async function copy(config: Config, url: string, io: DbIo): Promise<number> {
  const sqlite = openDatabase(config.RELAY_DATA_DIR);
  const pool = await connectPostgres(url);
  try {
    await migratePostgres(pool);
    // The secrets kept as files by the embedded relay go to the database's settings, where several relays read them.
    const settings: Record<string, string> = {};
    for (const [file, key] of [['voicenter-token', 'popup-token'], ['extension-key.pem', 'extension-key']] as const) {
      const path = join(config.RELAY_DATA_DIR, file);
      if (existsSync(path)) settings[key] = file.endsWith('.pem') ? readFileSync(path, 'utf8') : readFileSync(path, 'utf8').trim();
    }
    const counts = await copyToPostgres(sqlite, pool, settings);
    io.out(`Copied ${config.RELAY_DATA_DIR} into ${redactUrl(url)} (again is harmless: the same rows are updated):`);
    for (const [table, n] of Object.entries(counts)) io.out(`  ${table.padEnd(16)} ${n}`);
    return 0;
  } finally {
    sqlite.close();
    await pool.end();
  }
}
