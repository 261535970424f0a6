import { chmodSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A process run as an ordinary user, as the container image runs the relay (`USER node`). */
export interface Unprivileged {
  command: string;
  args: string[];
  uid: number;
  gid: number;
}

const NOBODY = 65_534;
const isRoot = () => process.getuid?.() === 0;

/** `command args` as a user without privileges: as root (CI), `nobody` through setpriv; otherwise the test's own user, which has none. */
export function unprivileged(command: string, args: string[]): Unprivileged {
  if (!isRoot()) return { command, args, uid: process.getuid?.() ?? NOBODY, gid: process.getgid?.() ?? NOBODY };
  return { command: 'setpriv', args: [`--reuid=${NOBODY}`, `--regid=${NOBODY}`, '--clear-groups', command, ...args], uid: NOBODY, gid: NOBODY };
}

/**
 * A new folder that user can reach. As root the run's temporary folder is root's alone (mode
 * 700, all the way up in CI), so the folder is made in /var/tmp instead, enterable by others but
 * not listed; the caller removes it.
 */
export function unprivilegedFolder(prefix: string): string {
  if (!isRoot()) return mkdtempSync(join(tmpdir(), prefix));
  const dir = mkdtempSync(join('/var/tmp', prefix));
  chmodSync(dir, 0o711);
  return dir;
}
