import { join } from 'node:path';
import { secretFile, tokenFile } from '../accounts/secrets';
import { watchOtherWriters } from '../accounts/revocation-watch';
import { SqliteCallLog } from '../calls/call-log-store';
import { CallTracker } from '../calls/call-tracker';
import { Checkpointer } from '../platform/checkpointer';
import type { Config } from '../platform/config';
import { openStore } from '../platform/store';
import { localDelivery } from '../push/delivery';
import type { Engine, EngineHooks } from './engine';

/** How often the WAL is copied into the database file (off the event loop). */
const CHECKPOINT_MS = 1_000;

/** One relay: the SQLite file in the data directory, calls and messages in this process's memory. */
export async function openEmbeddedEngine(config: Config, { log }: EngineHooks): Promise<Engine> {
  const store = await openStore({ RELAY_DATA_DIR: config.RELAY_DATA_DIR, RELAY_DATABASE_URL: undefined });
  const db = store.sqlite!;
  // Checkpoints run in a worker thread; the relay's own connection never does one.
  db.pragma('wal_autocheckpoint = 0');
  const checkpointer = new Checkpointer(db.name, CHECKPOINT_MS, (message) => log.error({ err: message }, 'WAL checkpoint failed'));
  const callLog = new SqliteCallLog(db);
  return {
    sql: store.sql,
    db,
    tokenPlace: tokenFile(config.RELAY_DATA_DIR),
    extensionKeyPlace: secretFile(join(config.RELAY_DATA_DIR, 'extension-key.pem')),
    throttleState: undefined,
    callLog,
    callsAndDelivery(lineName, options) {
      const calls = new CallTracker(callLog, lineName);
      return Promise.resolve({ calls, delivery: localDelivery({ ...options, calls }) });
    },
    identify: (inner) => inner,
    // The directory is this process's own file: its answer is there within the turn.
    firstMessageWaitMs: 0,
    keepCopies: () => null,
    watchWriters: (_agents, changed) => Promise.resolve(watchOtherWriters(db, changed)),
    chores: () => [],
    holdRealtime(source) {
      source.start();
      return Promise.resolve(null);
    },
    ops: {},
    signingKeyFile: (given) => given.RELAY_EXTENSION_KEY ?? join(given.RELAY_DATA_DIR, 'extension-key.pem'),
    async close() {
      await callLog.flush();
      await checkpointer.stop();
      // The last connection to close checkpoints what is left and removes the WAL.
      await store.close();
    },
  };
}
