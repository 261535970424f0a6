import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface RelayProcess {
  child: ChildProcess;
  /** http://127.0.0.1:<port> */
  base: string;
  /** Resolves once the process has ended (at once when it has already). */
  exited(): Promise<void>;
}

/**
 * `npm run relay -- start` as a process of its own, on these settings (a fresh data directory,
 * port 0); resolves once it listens. For what only a process shows: kill -9, a second relay that
 * loads everything itself.
 */
export function startProcess(env: Record<string, string>): Promise<RelayProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'relay/main.ts', 'start'], {
    env: { ...process.env, RELAY_DATA_DIR: mkdtempSync(join(tmpdir(), 'relay-proc-')), PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'silent', ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const ended = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const exited = () => (child.exitCode !== null || child.signalCode !== null ? Promise.resolve() : ended);
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      const url = /Voicenter pop-up URL: (\S+)/.exec(out)?.[1];
      if (url) resolve({ child, base: new URL(url).origin, exited });
    });
    child.once('exit', (code) => reject(new Error(`relay exited with ${code}: ${out}`)));
  });
}
