import { z } from 'zod';
import { UniqueViolation, type Sql } from '../platform/sql';
import { checkPassword, type PasswordCheck } from './password-check';
import { hashPassword, newPassword, randomToken, sha256 } from './secrets';
import { SignInThrottle } from './sign-in-throttle';

/** What a new administrator's name may be (the console's sign-in reads names of up to 64 characters). */
export const adminNameSchema = z.string().trim().regex(/^\S{1,64}$/, 'a username is 1 to 64 characters without spaces');

/** The administrator the relay creates on its first start. */
export const FIRST_ADMIN = 'admin';

/**
 * The first administrator's generated password, kept (in the database's settings, where every
 * relay reads it) until that administrator signs in or gets a new password: a first start that
 * failed after making it, or whose output was lost, must not lose the only way into the console.
 */
const FIRST_PASSWORD_KEY = 'first-admin-password';

export interface Admin {
  id: number;
  username: string;
}

/** One administrator as the console's list and `admin list` show it. */
export interface AdminListing extends Admin {
  /** When it was made (ms since the epoch). */
  createdAt: number;
}

export type AdminSignIn = { ok: true; token: string; expiresAt: number; admin: Admin } | Exclude<PasswordCheck, { ok: true }>;

interface AdminRow {
  id: number;
  username: string;
  password_hash: string;
}

export class NoSuchAdminError extends Error {}
export class AdminExistsError extends Error {}
/** The console would be left with nobody to sign in to it. */
export class LastAdminError extends Error {}

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
   * On the first start, creates `admin` with a generated password and returns that password;
   * null when an administrator exists already. The password stays readable through
   * pendingFirstPassword() until `admin` signs in or gets another.
   */
  async ensureFirst(now = Date.now()): Promise<string | null> {
    if ((await this.count()) > 0) return null;
    const password = newPassword();
    const hash = await hashPassword(password);
    // Several relays may start at once: one creates it (and keeps its password), the others nothing.
    return this.sql.transaction(async (tx) => {
      const changes = await tx.run('INSERT INTO admins (username, password_hash, created_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING', [FIRST_ADMIN, hash, now]);
      if (changes !== 1) return null;
      await tx.run('INSERT INTO relay_settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value', [FIRST_PASSWORD_KEY, password]);
      return password;
    });
  }

  /** The first administrator's generated password while `admin` has not signed in yet nor had it changed; else null. */
  async pendingFirstPassword(): Promise<string | null> {
    return (await this.sql.get<{ value: string }>('SELECT value FROM relay_settings WHERE key = ?', [FIRST_PASSWORD_KEY]))?.value ?? null;
  }

  async count(): Promise<number> {
    return (await this.sql.get<{ n: number }>('SELECT COUNT(*) AS n FROM admins'))!.n;
  }

  /** Every administrator, by name. */
  async list(): Promise<AdminListing[]> {
    const rows = await this.sql.all<{ id: number; username: string; created_at: number }>('SELECT id, username, created_at FROM admins ORDER BY username');
    return rows.map((r) => ({ id: r.id, username: r.username, createdAt: r.created_at }));
  }

  async exists(username: string): Promise<boolean> {
    return (await this.sql.get('SELECT 1 AS found FROM admins WHERE username = ?', [username])) !== undefined;
  }

  /** A new administrator; AdminExistsError when the name is taken. */
  async add(username: string, password: string, now = Date.now()): Promise<Admin> {
    const hash = await hashPassword(password);
    try {
      const row = await this.sql.get<{ id: number }>('INSERT INTO admins (username, password_hash, created_at) VALUES (?, ?, ?) RETURNING id', [username, hash, now]);
      return { id: row!.id, username };
    } catch (err) {
      if (err instanceof UniqueViolation) throw new AdminExistsError(`administrator ${username} already exists`);
      throw err;
    }
  }

  /**
   * Removes an administrator and ends its console sessions. Never the last one (LastAdminError):
   * nobody could sign in to the console again. NoSuchAdminError when there is no such name.
   */
  async remove(username: string): Promise<void> {
    await this.sql.transaction(async (tx) => {
      // On PostgreSQL the rows are locked: two removals at once cannot both see "one more left".
      const all = await tx.all<{ username: string }>(`SELECT username FROM admins${tx.engine === 'postgres' ? ' FOR UPDATE' : ''}`);
      if (!all.some((a) => a.username === username)) throw new NoSuchAdminError(`no administrator ${username}`);
      if (all.length === 1) throw new LastAdminError(`${username} is the only administrator: add another before removing it (nobody could sign in to the console)`);
      await tx.run('DELETE FROM admin_sessions WHERE admin_id = (SELECT id FROM admins WHERE username = ?)', [username]);
      await tx.run('DELETE FROM admins WHERE username = ?', [username]);
      if (username === FIRST_ADMIN) await forgetFirstPassword(tx);
    });
    await this.throttle.forgetAccount(`admin:${username}`);
  }

  /** A new password for an existing administrator (NoSuchAdminError otherwise); its sessions end. */
  async changePassword(username: string, password: string): Promise<void> {
    const hash = await hashPassword(password);
    await this.sql.transaction(async (tx) => {
      const changed = await tx.run('UPDATE admins SET password_hash = ? WHERE username = ?', [hash, username]);
      if (changed === 0) throw new NoSuchAdminError(`no administrator ${username}`);
      await endSessions(tx, username);
    });
    await this.throttle.forgetAccount(`admin:${username}`);
  }

  /** A new password; every session of that administrator ends. Creates the account when missing (see changePassword). */
  async setPassword(username: string, password: string, now = Date.now()): Promise<void> {
    const hash = await hashPassword(password);
    await this.sql.transaction(async (tx) => {
      await tx.run(
        `INSERT INTO admins (username, password_hash, created_at) VALUES (?, ?, ?)
         ON CONFLICT (username) DO UPDATE SET password_hash = excluded.password_hash`,
        [username, hash, now],
      );
      await endSessions(tx, username);
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
      // Signed in: the first password was seen, and is shown no more.
      if (row.username === FIRST_ADMIN) await forgetFirstPassword(tx);
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

/** After a new password: the administrator's sessions end, and a first password no longer holds. */
async function endSessions(tx: Sql, username: string): Promise<void> {
  await tx.run('DELETE FROM admin_sessions WHERE admin_id = (SELECT id FROM admins WHERE username = ?)', [username]);
  if (username === FIRST_ADMIN) await forgetFirstPassword(tx);
}

function forgetFirstPassword(tx: Sql): Promise<number> {
  return tx.run('DELETE FROM relay_settings WHERE key = ?', [FIRST_PASSWORD_KEY]);
}
