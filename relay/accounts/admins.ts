import type { DB } from '../platform/db';
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
    private readonly db: DB,
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
    if (this.count() > 0) return null;
    const password = newPassword();
    const hash = await hashPassword(password);
    const info = this.db
      .prepare('INSERT OR IGNORE INTO admins (username, password_hash, created_at) VALUES (?, ?, ?)')
      .run(FIRST_ADMIN, hash, now);
    return info.changes === 1 ? password : null;
  }

  count(): number {
    return (this.db.prepare('SELECT COUNT(*) AS n FROM admins').get() as { n: number }).n;
  }

  /** A new password; every session of that administrator ends. Creates the account when missing. */
  async setPassword(username: string, password: string, now = Date.now()): Promise<void> {
    const hash = await hashPassword(password);
    this.db.transaction(() => {
      this.db
        .prepare(
          `INSERT INTO admins (username, password_hash, created_at) VALUES (?, ?, ?)
           ON CONFLICT (username) DO UPDATE SET password_hash = excluded.password_hash`,
        )
        .run(username, hash, now);
      this.db.prepare('DELETE FROM admin_sessions WHERE admin_id = (SELECT id FROM admins WHERE username = ?)').run(username);
    })();
    this.throttle.forgetAccount(`admin:${username}`);
  }

  /** Failures from `ip` slow it down (SignInThrottle). */
  async signIn(username: string, password: string, ip?: string, now = Date.now()): Promise<AdminSignIn> {
    const found = this.db.prepare<[string], AdminRow>('SELECT * FROM admins WHERE username = ?').get(username);
    const check = await checkPassword(this.throttle, 'admin', username, found, password, ip);
    if (!check.ok) return check;
    const { row } = check;
    const token = randomToken();
    const expiresAt = now + this.sessionTtlMs;
    this.db.transaction(() => {
      this.db
        .prepare('INSERT INTO admin_sessions (token_hash, admin_id, created_at, expires_at) VALUES (?, ?, ?, ?)')
        .run(sha256(token), row.id, now, expiresAt);
      this.db.prepare('DELETE FROM admin_sessions WHERE expires_at <= ?').run(now);
    })();
    return { ok: true, token, expiresAt, admin: { id: row.id, username: row.username } };
  }

  /** The administrator a live console session belongs to. */
  session(token: string, now = Date.now()): Admin | undefined {
    return this.db
      .prepare<[string, number], Admin>(
        `SELECT a.id, a.username FROM admin_sessions s JOIN admins a ON a.id = s.admin_id
         WHERE s.token_hash = ? AND s.expires_at > ?`,
      )
      .get(sha256(token), now);
  }

  signOut(token: string): void {
    this.db.prepare('DELETE FROM admin_sessions WHERE token_hash = ?').run(sha256(token));
  }
}
