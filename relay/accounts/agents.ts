// Room relay/accounts/: who may sign in — agents and administrators, their passwords and sessions, sign-in throttling, secrets.
import { LRUCache } from 'lru-cache';
import { z } from 'zod';
import type { DB } from '../platform/db';
import { checkPassword, type PasswordCheck } from './password-check';
import { hashPassword, randomToken, sha256 } from './secrets';
import { SignInThrottle } from './sign-in-throttle';

export interface Agent {
  id: number;
  extenUser: string;
  name: string;
  enabled: boolean;
}

export type SignInResult = { ok: true; token: string; expiresAt: number; agent: Agent } | Exclude<PasswordCheck, { ok: true }>;

interface AgentRow {
  id: number;
  exten_user: string;
  name: string;
  enabled: number;
  password_hash: string;
}

const toAgent = (r: Pick<AgentRow, 'id' | 'exten_user' | 'name' | 'enabled'>): Agent => ({
  id: r.id,
  extenUser: r.exten_user,
  name: r.name,
  enabled: r.enabled === 1,
});

/** What an extension user and a password may be, for the CLI and the console alike. */
export const extenUserSchema = z.string().regex(/^\S{1,64}$/, 'an extension user is 1 to 64 characters without spaces');
export const agentNameSchema = z.string().trim().max(128, 'a name is at most 128 characters');
export const passwordSchema = z.string().min(1, 'a password cannot be empty').max(256, 'a password is at most 256 characters');

export class AgentExistsError extends Error {}
export class NoSuchAgentError extends Error {}

/** The roster of agents (one per Voicenter extension user) and their sessions. */
export class Agents {
  /** Agents by extension user, for the delivery path; cleared on every change (see forget()). */
  private readonly cache = new LRUCache<string, { agent: Agent | null }>({ max: 10_000 });
  private readonly byExtenUser;
  private readonly sessionByHash;

  constructor(
    private readonly db: DB,
    private readonly sessionTtlMs: number,
    /** Sign-in throttling, shared with the console's administrators. */
    readonly throttle = new SignInThrottle(),
  ) {
    this.byExtenUser = db.prepare<[string], AgentRow>('SELECT * FROM agents WHERE exten_user = ?');
    this.sessionByHash = db.prepare<[string, number], AgentRow>(
      `SELECT a.* FROM sessions s JOIN agents a ON a.id = s.agent_id
       WHERE s.token_hash = ? AND s.revoked_at IS NULL AND s.expires_at > ? AND a.enabled = 1`,
    );
  }

  async add(extenUser: string, name: string, password: string, now = Date.now()): Promise<Agent> {
    const hash = await hashPassword(password);
    try {
      const info = this.db
        .prepare('INSERT INTO agents (exten_user, name, password_hash, created_at) VALUES (?, ?, ?, ?)')
        .run(extenUser, name, hash, now);
      this.forget();
      return { id: Number(info.lastInsertRowid), extenUser, name, enabled: true };
    } catch (err) {
      if ((err as { code?: string }).code === 'SQLITE_CONSTRAINT_UNIQUE') {
        throw new AgentExistsError(`agent ${extenUser} already exists`);
      }
      throw err;
    }
  }

  list(): Agent[] {
    return this.db.prepare<[], AgentRow>('SELECT * FROM agents ORDER BY exten_user').all().map(toAgent);
  }

  get(extenUser: string): Agent | undefined {
    let cached = this.cache.get(extenUser);
    if (!cached) {
      const row = this.byExtenUser.get(extenUser);
      cached = { agent: row ? toAgent(row) : null };
      this.cache.set(extenUser, cached);
    }
    return cached.agent ?? undefined;
  }

  /** Drops cached agents; called after any change to the roster, here or by another process. */
  forget(): void {
    this.cache.clear();
  }

  /** Removes the agent; its sessions go with it (the relay closes their sockets at once). */
  remove(extenUser: string): void {
    const info = this.db.prepare('DELETE FROM agents WHERE exten_user = ?').run(extenUser);
    this.forget();
    if (info.changes === 0) throw new NoSuchAgentError(`no agent ${extenUser}`);
  }

  /** Renames, enables or disables an agent; disabling ends its sessions (the relay closes their sockets). */
  update(extenUser: string, change: { name?: string; enabled?: boolean }): Agent {
    const agent = this.byExtenUser.get(extenUser);
    if (!agent) throw new NoSuchAgentError(`no agent ${extenUser}`);
    this.db.transaction(() => {
      if (change.name !== undefined) this.db.prepare('UPDATE agents SET name = ? WHERE id = ?').run(change.name, agent.id);
      if (change.enabled !== undefined) {
        this.db.prepare('UPDATE agents SET enabled = ? WHERE id = ?').run(change.enabled ? 1 : 0, agent.id);
        if (!change.enabled) this.db.prepare('DELETE FROM sessions WHERE agent_id = ?').run(agent.id);
      }
    })();
    this.forget();
    return toAgent(this.byExtenUser.get(extenUser)!);
  }

  /** Sets a new password and ends every session of the agent. */
  async setPassword(extenUser: string, password: string): Promise<void> {
    const hash = await hashPassword(password);
    this.db.transaction(() => {
      const agent = this.byExtenUser.get(extenUser);
      if (!agent) throw new NoSuchAgentError(`no agent ${extenUser}`);
      this.db
        .prepare('UPDATE agents SET password_hash = ? WHERE id = ?')
        .run(hash, agent.id);
      this.db.prepare('DELETE FROM sessions WHERE agent_id = ?').run(agent.id);
    })();
    this.throttle.forgetAccount(`agent:${extenUser}`);
  }

  /** Trades extension user and password for a session token. Failures from `ip` slow it down (SignInThrottle). */
  async signIn(extenUser: string, password: string, ip?: string, now = Date.now()): Promise<SignInResult> {
    const check = await checkPassword(this.throttle, 'agent', extenUser, this.byExtenUser.get(extenUser), password, ip);
    if (!check.ok) return check;
    const { row } = check;
    if (row.enabled !== 1) return { ok: false, code: 'UNAUTHORIZED' };
    const token = randomToken();
    const expiresAt = now + this.sessionTtlMs;
    this.db.transaction(() => {
      this.db
        .prepare('INSERT INTO sessions (token_hash, agent_id, created_at, expires_at) VALUES (?, ?, ?, ?)')
        .run(sha256(token), row.id, now, expiresAt);
      this.db.prepare('DELETE FROM sessions WHERE expires_at <= ? OR revoked_at IS NOT NULL').run(now);
    })();
    return { ok: true, token, expiresAt, agent: toAgent(row) };
  }

  /** The agent a live session belongs to; undefined when unknown, expired, revoked or disabled. */
  session(tokenHash: string, now = Date.now()): Agent | undefined {
    const row = this.sessionByHash.get(tokenHash, now);
    return row ? toAgent(row) : undefined;
  }

  signOut(tokenHash: string, now = Date.now()): void {
    this.db.prepare('UPDATE sessions SET revoked_at = ? WHERE token_hash = ?').run(now, tokenHash);
  }
}
