import type { DB } from '../platform/db';

/**
 * Sessions ended by the CLI (`agents remove`, `agents passwd`) are written by another process:
 * SQLite's `PRAGMA data_version` changes then. Returns a check to run often; it calls `changed`
 * when another connection wrote the database since the last check.
 */
export function watchOtherWriters(db: DB, changed: () => void): () => void {
  let seen = db.pragma('data_version', { simple: true });
  return () => {
    const now = db.pragma('data_version', { simple: true });
    if (now === seen) return;
    seen = now;
    changed();
  };
}
