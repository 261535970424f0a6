import type { DB } from '../platform/db';
import type { Agents } from './agents';

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

/**
 * The same for several relays on PostgreSQL: every session ended and every agent changed, by
 * any relay or the CLI, changes the roster version (Agents.rosterVersion). Returns a check to run
 * often (twice a second: a revocation closes the agent's sockets on every relay within a second).
 */
export async function watchRoster(agents: Pick<Agents, 'rosterVersion'>, changed: () => void): Promise<() => Promise<void>> {
  let seen = await agents.rosterVersion();
  return async () => {
    const now = await agents.rosterVersion();
    if (now === seen) return;
    seen = now;
    changed();
  };
}
