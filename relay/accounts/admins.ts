import type { Sql } from '../platform/sql';
import { checkPassword, type PasswordCheck } from './password-check';
import { hashPassword, newPassword, randomToken, sha256 } from './secrets';
import { SignInThrottle } from './sign-in-throttle';

/** The administrator the relay creates on its first start. */
export const FIRST_ADMIN = 'admin';

export interface Admin {
  id: number;
  username: string;
}

export type AdminSignIn = { ok: true; token: string; expiresAt: number; admin: Admin } | Exclude<PasswordCheck, { ok: true }>;

interface AdminRow {
  id: number;
  username: string;
  password_hash: string;
}

export class NoSuchAdminError extends Error {}

/**
 * Console administrators: supervisors who sign in to the console. They are not agents (no
 * extension user, no calls) and agents cannot sign in to the console. Sessions are random
 * tokens stored only hashed, sent as an HttpOnly cookie; failures slow the account down as
 * the agents' do.
 */
export class Admins {
  constructor(
    private readonly sql: Sql,
    /** How long a console session lasts (its cookie too). */
    readonly sessionTtlMs: number,
    /** Sign-in throttling, shared with the agents. */
    private readonly throttle = new SignInThrottle(),
  ) {}

  /**
   * On the first start, creates `admin` with a generated password and returns that password
   * (to print once); null when an administrator exists already.
   */
  async ensureFirst(now = Date.now()): Promise<string | null> {
    if ((await this.count()) > 0) return null;
    const password = newPassword();
    const hash = await hashPassword(password);
    // Several relays may start at once: one creates it, the others print nothing.
    const changes = await this.sql.run('INSERT INTO admins (username, password_hash, created_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING', [FIRST_ADMIN, hash, now]);
    return changes === 1 ? password : null;
  }

  async count(): Promise<number> {
    return (await this.sql.get<{ n: number }>('SELECT COUNT(*) AS n FROM admins'))!.n;
  }

  /** A new password; every session of that administrator ends. Creates the account when missing. */
  async setPassword(username: string, password: string, now = Date.now()): Promise<void> {
    const hash = await hashPassword(password);
    await this.sql.transaction(async (tx) => {
      await tx.run(
        `INSERT INTO admins (username, password_hash, created_at) VALUES (?, ?, ?)
         ON CONFLICT (username) DO UPDATE SET password_hash = excluded.password_hash`,
        [username, hash, now],
      );
      await tx.run('DELETE FROM admin_sessions WHERE admin_id = (SELECT id FROM admins WHERE username = ?)', [username]);
    });
    await this.throttle.forgetAccount(`admin:${username}`);
  }

  /** Failures from `ip` slow it down (SignInThrottle). */
  async signIn(username: string, password: string, ip?: string, now = Date.now()): Promise<AdminSignIn> {
    const found = await this.sql.get<AdminRow>('SELECT * FROM admins WHERE username = ?', [username]);
    const check = await checkPassword(this.throttle, 'admin', username, found, password, ip);
    if (!check.ok) return check;
    const { row } = check;
    const token = randomToken();
    const expiresAt = now + this.sessionTtlMs;
    await this.sql.transaction(async (tx) => {
      await tx.run('INSERT INTO admin_sessions (token_hash, admin_id, created_at, expires_at) VALUES (?, ?, ?, ?)', [sha256(token), row.id, now, expiresAt]);
      await tx.run('DELETE FROM admin_sessions WHERE expires_at <= ?', [now]);
    });
    return { ok: true, token, expiresAt, admin: { id: row.id, username: row.username } };
  }

  /** The administrator a live console session belongs to. */
  session(token: string, now = Date.now()): Promise<Admin | undefined> {
    return this.sql.get<Admin>(
      `SELECT a.id, a.username FROM admin_sessions s JOIN admins a ON a.id = s.admin_id
       WHERE s.token_hash = ? AND s.expires_at > ?`,
      [sha256(token), now],
    );
  }

  async signOut(token: string): Promise<void> {
    await this.sql.run('DELETE FROM admin_sessions WHERE token_hash = ?', [sha256(token)]);
  }
}
