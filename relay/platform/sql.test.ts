import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openDatabase } from './db';
import { SqliteSql, UniqueViolation } from './sql';

const fresh = () => new SqliteSql(openDatabase(mkdtempSync(join(tmpdir(), 'sql-'))));

describe('SqliteSql', () => {
  it('keeps a write from elsewhere out of a transaction that rolls back, and runs it after', async () => {
    const sql = fresh();
    let inside!: () => void;
    const reached = new Promise<void>((resolve) => (inside = resolve));
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const tx = sql.transaction(async (t) => {
      await t.run("INSERT INTO relay_settings (key, value) VALUES ('in-tx', '1')");
      inside();
      await held;
      throw new Error('changed my mind');
    });
    await reached;
    // Issued while the transaction is open: it must neither land inside it nor be lost with it.
    const outside = sql.run("INSERT INTO relay_settings (key, value) VALUES ('outside', '1')");
    release();
    await expect(tx).rejects.toThrow('changed my mind');
    expect(await outside).toBe(1);
    expect(await sql.all('SELECT key FROM relay_settings ORDER BY key')).toEqual([{ key: 'outside' }]);
  });

  it('names a broken UNIQUE rule the same way, from a plain statement or one that returns rows', async () => {
    const sql = fresh();
    await sql.run("INSERT INTO relay_settings (key, value) VALUES ('k', '1')");
    await expect(sql.run("INSERT INTO relay_settings (key, value) VALUES ('k', '2')")).rejects.toThrow(UniqueViolation);
    await expect(sql.get("INSERT INTO relay_settings (key, value) VALUES ('k', '2') RETURNING key")).rejects.toThrow(UniqueViolation);
  });
});
