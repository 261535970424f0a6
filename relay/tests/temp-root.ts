import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * One temporary folder for a whole test run: every test's data directory, SQLite file, Chromium
 * profile and child process lands under it (`TMPDIR` is what `os.tmpdir()` and child processes
 * read), and it is removed when the run ends — a test that forgets to clean up leaves nothing
 * behind. Used as the global setup of Vitest and of Playwright.
 */
export default function tempRoot(): () => void {
  const root = mkdtempSync(join(tmpdir(), 'screenpop-test-run-'));
  const before = process.env.TMPDIR;
  process.env.TMPDIR = root;
  return () => {
    if (before === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = before;
    rmSync(root, { recursive: true, force: true });
  };
}
