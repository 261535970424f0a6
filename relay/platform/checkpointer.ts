import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

/**
 * Moves SQLite's WAL checkpoints off the event loop. A checkpoint copies the WAL into the
 * database file and fsyncs it; run on the main thread (SQLite's default, every 1,000 pages) it
 * stalled every request for tens of milliseconds (p99 delivery 52 ms against 11 ms without the
 * fsync, bench/RESULTS.md). Here a worker thread with its own connection checkpoints on a
 * timer, PASSIVE so it never blocks the relay's writes.
 *
 * The worker is plain JavaScript (eval) so it runs the same under tsx, Vitest and Node.
 */
const WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.module);
const db = new Database(workerData.file);
db.pragma('busy_timeout = 5000');
const checkpoint = () => {
  try { db.pragma('wal_checkpoint(PASSIVE)'); } catch (err) { parentPort.postMessage(String(err)); }
};
const timer = setInterval(checkpoint, workerData.everyMs);
parentPort.on('message', () => { clearInterval(timer); db.close(); parentPort.close(); });
`;

export class Checkpointer {
  private readonly worker: Worker;

  constructor(file: string, everyMs: number, onError: (message: string) => void) {
    const module = createRequire(import.meta.url).resolve('better-sqlite3');
    this.worker = new Worker(WORKER, { eval: true, workerData: { file, module, everyMs } });
    this.worker.on('message', onError);
    this.worker.on('error', (err) => onError(err.message));
    this.worker.unref();
  }

  /** Stops the worker and waits for its connection to close. */
  stop(): Promise<void> {
    // Referenced while stopping: an unreferenced worker would let the process exit mid-close.
    this.worker.ref();
    return new Promise((resolve) => {
      this.worker.once('exit', () => resolve());
      this.worker.postMessage('stop');
    });
  }
}
