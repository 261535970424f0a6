import { hashPassword, randomToken, verifyPassword } from './secrets';
import type { SignInThrottle, ThrottledCheck } from './sign-in-throttle';

/** The column an account table (agents, admins) keeps for its password. */
export interface PasswordRow {
  id: number;
  password_hash: string;
}

export type PasswordCheck<T = PasswordRow> = { ok: true; row: T } | Exclude<ThrottledCheck, { ok: true }>;

let dummyHash: Promise<string> | undefined;

/**
 * Checks a password for an account (`kind` agent or admin, `name` as typed), found or not: for
 * no account the same scrypt work is done and the same throttle applies, so neither timing nor
 * answers tell which names exist. `ip` is the client's address, for the throttle.
 */
export async function checkPassword<T extends PasswordRow>(
  throttle: SignInThrottle,
  kind: 'agent' | 'admin',
  name: string,
  row: T | undefined,
  password: string,
  ip: string | undefined,
): Promise<PasswordCheck<T>> {
  const result = await throttle.attempt(`${kind}:${name}`, ip, async () => {
    if (row) return verifyPassword(password, row.password_hash);
    dummyHash ??= hashPassword(randomToken());
    await verifyPassword(password, await dummyHash);
    return false;
  });
  return result.ok ? { ok: true, row: row! } : result;
}
