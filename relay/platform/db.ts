import Database from 'better-sqlite3';
import { join } from 'node:path';
import { createPrivateFile, prepareDataDir } from './data-dir';

import { refuseNewer, SQLITE_MIGRATIONS } from './schema';

export type DB = Database.Database;

/**
 * Opens (and creates or upgrades) the relay's database in `dataDir`: the folder mode 700, the file
 * (and so its -wal and -shm) 600. An older installation's looser modes are tightened here too,
 * silently: the relay's start and the CLI say so first (tightenDataDir).
 */
export function openDatabase(dataDir: string): DB {
  prepareDataDir(dataDir);
  const file = join(dataDir, 'relay.db');
  createPrivateFile(file);
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  // NORMAL in WAL mode loses at most the last transactions on power loss, never consistency.
  db.pragma('synchronous = NORMAL');
  db.pragma('foreign_keys = ON');
  // The CLI writes while the relay runs: wait for the other writer instead of failing.
  db.pragma('busy_timeout = 5000');
  const version = db.pragma('user_version', { simple: true }) as number;
  try {
    refuseNewer(version, join(dataDir, 'relay.db'));
  } catch (err) {
    db.close();
    throw err;
  }
  migrate(db, version);
  return db;
}

/** A database in memory with the relay's schema (a relay's own copy of what it reads from PostgreSQL). */
export function openMemoryDatabase(): DB {
  const db = new Database(':memory:');
  migrate(db, 0);
  return db;
}

function migrate(db: DB, from: number): void {
  for (let v = from; v < SQLITE_MIGRATIONS.length; v++) {
    db.transaction(() => {
      db.exec(SQLITE_MIGRATIONS[v]!);
      db.pragma(`user_version = ${v + 1}`);
    })();
  }
}
