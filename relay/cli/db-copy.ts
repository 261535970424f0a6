import type pg from 'pg';
import type { DB } from '../platform/db';

/** What moves, in an order foreign keys accept, with each table's key. */
const TABLES: { name: string; key: string[] }[] = [
  { name: 'agents', key: ['id'] },
  { name: 'sessions', key: ['token_hash'] },
  { name: 'admins', key: ['id'] },
  { name: 'admin_sessions', key: ['token_hash'] },
  { name: 'contacts', key: ['id'] },
  { name: 'contact_phones', key: ['contact_id', 'suffix'] },
  { name: 'calls', key: ['ivrid'] },
  { name: 'call_events', key: ['id'] },
  { name: 'lookup_cache', key: ['key'] },
  { name: 'relay_settings', key: ['key'] },
];
/** Tables whose ids PostgreSQL generates afterwards: their sequences continue past the copied ids. */
const IDENTITIES = ['agents', 'admins', 'contacts', 'call_events'];
const BATCH = 500;

/**
 * Copies an embedded installation (its SQLite database) into PostgreSQL, in one transaction, row
 * for row with the same keys: running it again updates the same rows, it never doubles them.
 * Returns how many rows each table sent.
 */
export async function copyToPostgres(sqlite: DB, pool: pg.Pool, extraSettings: Record<string, string>): Promise<Record<string, number>> {
  const client = await pool.connect();
  const counts: Record<string, number> = {};
  try {
    await client.query('BEGIN');
    for (const table of TABLES) counts[table.name] = await copyTable(sqlite, client, table);
    // What the embedded installation keeps beside its database (the pop-up token's file).
    for (const [key, value] of Object.entries(extraSettings)) {
      await client.query('INSERT INTO relay_settings (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value', [key, value]);
      counts.relay_settings = (counts.relay_settings ?? 0) + 1;
    }
    for (const name of IDENTITIES) {
      await client.query(`SELECT setval(pg_get_serial_sequence('${name}', 'id'), GREATEST((SELECT max(id) FROM ${name}), 1))`);
    }
    await client.query('COMMIT');
    return counts;
  } catch (err) {
    await client.query('ROLLBACK');
    throw err;
  } finally {
    client.release();
  }
}

async function copyTable(sqlite: DB, client: pg.PoolClient, { name, key }: { name: string; key: string[] }): Promise<number> {
  const columns = (sqlite.prepare(`PRAGMA table_info(${name})`).all() as { name: string }[]).map((c) => c.name);
  const update = columns.filter((c) => !key.includes(c)).map((c) => `${c} = EXCLUDED.${c}`);
  const conflict = `ON CONFLICT (${key.join(', ')}) ${update.length ? `DO UPDATE SET ${update.join(', ')}` : 'DO NOTHING'}`;
  let copied = 0;
  let batch: unknown[][] = [];
  const flush = async () => {
    if (batch.length === 0) return;
    const values = batch.map((_, r) => `(${columns.map((_c, c) => `$${r * columns.length + c + 1}`).join(', ')})`).join(', ');
    await client.query(`INSERT INTO ${name} (${columns.join(', ')}) VALUES ${values} ${conflict}`, batch.flat());
    copied += batch.length;
    batch = [];
  };
  for (const row of sqlite.prepare(`SELECT ${columns.join(', ')} FROM ${name}`).raw().iterate() as Iterable<unknown[]>) {
    batch.push(row);
    if (batch.length >= BATCH) await flush();
  }
  await flush();
  return copied;
}
