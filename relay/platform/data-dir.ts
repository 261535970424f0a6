import { accessSync, chmodSync, closeSync, constants, lstatSync, mkdirSync, openSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The data directory holds the database and the relay's secrets (the pop-up token, the extension's
 * signing key): it and everything in it are for the relay's own user. New ones are made so; an
 * installation made before is tightened when it is opened.
 */

/** What tightening did: each file or folder whose mode it changed, and what it could not change. */
export interface Tightened {
  changed: { path: string; was: string }[];
  failed: { path: string; why: string }[];
}

const DIR_MODE = 0o700;
const FILE_MODE = 0o600;
/** Group or others may read, write or enter. */
const OPEN_TO_OTHERS = 0o077;

/** Makes the data directory when missing (mode 700) and tightens an existing one and its files; says what it changed. */
export function prepareDataDir(dir: string): Tightened {
  mkdirSync(dir, { recursive: true, mode: DIR_MODE });
  return tightenDataDir(dir);
}

/** The data directory cannot be made or written by the relay's user: the machine's to mend, said in one line. */
export class DataDirError extends Error {}

/**
 * Refuses to start on a data directory this process cannot write (or one of its files, left by
 * another user): a container's volume mounted with the wrong owner would otherwise fail later,
 * in the middle of opening the database, as a stack trace repeated at every restart.
 */
export function ensureWritableDataDir(dir: string): void {
  const probe = join(dir, `.write-check-${process.pid}`);
  let path = dir;
  try {
    mkdirSync(dir, { recursive: true, mode: DIR_MODE });
    closeSync(openSync(probe, 'wx', FILE_MODE));
    rmSync(probe);
    for (const name of readdirSync(dir)) {
      path = join(dir, name);
      if (lstatSync(path).isFile()) accessSync(path, constants.W_OK);
    }
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
    const user = process.getuid ? ` (uid ${process.getuid()})` : '';
    throw new DataDirError(
      `The data directory cannot be written by the relay's user${user}: ${path} (${code}). ` +
        `Give it to that user (chown -R ${process.getuid?.() ?? 'the-user'} ${dir}), or set RELAY_DATA_DIR to a folder it owns; in a container, a named volume (docker-compose.yml) is made writable for it.`,
      { cause: err },
    );
  }
}

/** Removes group and others' access from the data directory and the files directly in it (only those that had any). */
export function tightenDataDir(dir: string): Tightened {
  const result: Tightened = { changed: [], failed: [] };
  let entries: string[];
  try {
    if (!statSync(dir).isDirectory()) return result;
    entries = readdirSync(dir);
  } catch {
    return result;
  }
  const tighten = (path: string) => {
    try {
      // lstat: a symbolic link is left alone (chmod would change whatever it points to).
      const stat = lstatSync(path);
      if (!(stat.isFile() || stat.isDirectory()) || (stat.mode & OPEN_TO_OTHERS) === 0) return;
      // The owner's own bits are kept (a file stays rw-, the folder rwx): only group and others lose theirs.
      chmodSync(path, stat.mode & 0o700);
      result.changed.push({ path, was: (stat.mode & 0o777).toString(8) });
    } catch (err) {
      result.failed.push({ path, why: (err as NodeJS.ErrnoException).code ?? (err as Error).message });
    }
  };
  tighten(dir);
  for (const name of entries) {
    const path = join(dir, name);
    if (lstatSync(path, { throwIfNoEntry: false })?.isFile()) tighten(path);
  }
  return result;
}

/** Creates an empty file readable by its owner only, when it does not exist yet (SQLite gives its -wal and -shm files the database file's mode). */
export function createPrivateFile(path: string): void {
  try {
    closeSync(openSync(path, 'wx', FILE_MODE));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
}

/** One line for a log or the terminal. */
export function describeTightened(t: Tightened): string {
  return [
    ...(t.changed.length ? [`made readable by the relay's user only: ${t.changed.map((c) => `${c.path} (was ${c.was})`).join(', ')}`] : []),
    ...(t.failed.length ? [`could not restrict: ${t.failed.map((f) => `${f.path} (${f.why})`).join(', ')}`] : []),
  ].join('; ');
}
