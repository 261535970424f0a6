import type { DB } from './db';
import { hashPassword, randomToken, verifyPassword } from './secrets';

/** Failures before each further attempt must wait; the wait doubles, up to MAX_DELAY_MS. */
const FREE_ATTEMPTS = 5;
const BASE_DELAY_MS = 1_000;
/** A person is never locked out for good: at worst they wait this long. */
const MAX_DELAY_MS = 15 * 60_000;

/** How long an account must wait after its `failed`-th wrong password in a row. */
export function lockDelay(failed: number): number {
  return failed >= FREE_ATTEMPTS ? Math.min(BASE_DELAY_MS * 2 ** (failed - FREE_ATTEMPTS), MAX_DELAY_MS) : 0;
}

/** The columns an account table (agents, admins) keeps for its password. */
export interface PasswordRow {
  id: number;
  password_hash: string;
  failed_attempts: number;
  locked_until: number;
}

export type PasswordCheck<T = PasswordRow> =
  | { ok: true; row: T }
  | { ok: false; code: 'UNAUTHORIZED' }
  | { ok: false; code: 'RATE_LIMITED'; retryAfterMs: number };

let dummyHash: Promise<string> | undefined;

/**
 * Checks a password for an account of `table` (agents or admins), or for no account: then the
 * same scrypt work is done, so timing does not tell which names exist. Wrong passwords slow the
 * account down; the right one clears the count.
 */
export async function checkPassword<T extends PasswordRow>(
  db: DB,
  table: 'agents' | 'admins',
  row: T | undefined,
  password: string,
  now: number,
): Promise<PasswordCheck<T>> {
  if (!row) {
    dummyHash ??= hashPassword(randomToken());
    await verifyPassword(password, await dummyHash);
    return { ok: false, code: 'UNAUTHORIZED' };
  }
  if (row.locked_until > now) return { ok: false, code: 'RATE_LIMITED', retryAfterMs: row.locked_until - now };
  if (await verifyPassword(password, row.password_hash)) {
    if (row.failed_attempts !== 0 || row.locked_until !== 0) {
      db.prepare(`UPDATE ${table} SET failed_attempts = 0, locked_until = 0 WHERE id = ?`).run(row.id);
    }
    return { ok: true, row };
  }
  const failed = row.failed_attempts + 1;
  const delay = lockDelay(failed);
  db.prepare(`UPDATE ${table} SET failed_attempts = ?, locked_until = ? WHERE id = ?`).run(failed, delay > 0 ? now + delay : 0, row.id);
  return { ok: false, code: 'UNAUTHORIZED' };
}
