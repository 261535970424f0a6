// Room relay/accounts/: who may sign in — agents and administrators, their passwords and sessions, sign-in throttling, secrets.
import { boundedCache } from '../platform/bounded-cache';
import { z } from 'zod';
import { UniqueViolation, type Sql } from '../platform/sql';
import { checkPassword, type PasswordCheck } from './password-check';
import { hashPassword, randomToken, sha256 } from './secrets';
import { SignInThrottle } from './sign-in-throttle';

export interface Agent {
  id: number;
  extenUser: string;
  name: string;
  enabled: boolean;
}

/** The right password for an account a supervisor disabled: said only to whoever knows that password. */
export type AccountDisabled = { ok: false; code: 'ACCOUNT_DISABLED' };

export type SignInResult = { ok: true; token: string; expiresAt: number; agent: Agent } | Exclude<PasswordCheck, { ok: true }> | AccountDisabled;

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
/**
 * Every password a person chooses, an agent's or an administrator's, wherever it is set (NIST SP
 * 800-63B §5.1.1.2: at least 8 characters, and long ones allowed). Signing in checks none of it:
 * a password set before the rule still opens its account. Generated passwords are 16 characters.
 */
export const passwordSchema = z.string().min(8, 'a password is at least 8 characters').max(256, 'a password is at most 256 characters');

export class AgentExistsError extends Error {}
export class NoSuchAgentError extends Error {}

/** The roster of agents (one per Voicenter extension user) and their sessions. */
export class Agents {
  /**
   * Agents by extension user, for the delivery path; cleared on every change (see forget()). The
   * promise is kept, not its value: the messages of one agent wait on the same lookup, in order.
   */
  private readonly cache = boundedCache<string, Promise<Agent | null>>(10_000);
  /**
   * The last answer the database gave for each agent, kept across changes: while the database is
   * away (PostgreSQL), messages still reach the agents it knew — signed in, or called lately.
   */
  private readonly known = boundedCache<string, Agent>(10_000);

  constructor(
    private readonly sql: Sql,
    private readonly sessionTtlMs: number,
    /** Sign-in throttling, shared with the console's administrators. */
    readonly throttle = new SignInThrottle(),
  ) {}

  private row(extenUser: string, sql: Sql = this.sql): Promise<AgentRow | undefined> {
    return sql.get<AgentRow>('SELECT * FROM agents WHERE exten_user = ?', [extenUser]);
  }

  async add(extenUser: string, name: string, password: string, now = Date.now()): Promise<Agent> {
    const hash = await hashPassword(password);
    try {
      const row = await this.sql.get<{ id: number }>(
        'INSERT INTO agents (exten_user, name, password_hash, created_at) VALUES (?, ?, ?, ?) RETURNING id',
        [extenUser, name, hash, now],
      );
      this.forget();
      return { id: row!.id, extenUser, name, enabled: true };
    } catch (err) {
      if (err instanceof UniqueViolation) throw new AgentExistsError(`agent ${extenUser} already exists`);
      throw err;
    }
  }

  /**
   * Adds agents whose passwords are hashed already (an import hashes them beforehand, several at a
   * time), in one transaction. An extension user taken meanwhile is left as it is: null in its place.
   */
  addHashed(rows: readonly { extenUser: string; name: string; hash: string }[], now = Date.now()): Promise<(Agent | null)[]> {
    return this.sql
      .transaction(async (tx) => {
        const added: (Agent | null)[] = [];
        for (const { extenUser, name, hash } of rows) {
          const row = await tx.get<{ id: number }>(
            'INSERT INTO agents (exten_user, name, password_hash, created_at) VALUES (?, ?, ?, ?) ON CONFLICT (exten_user) DO NOTHING RETURNING id',
            [extenUser, name, hash, now],
          );
          added.push(row ? { id: row.id, extenUser, name, enabled: true } : null);
        }
        return added;
      })
      .finally(() => this.forget());
  }

  /**
   * Removes agents just added whose passwords reached nobody (an import's answer that was never
   * delivered), each unless its password was changed since (then someone knows it). How many went.
   */
  async withdraw(added: readonly { id: number; extenUser: string; hash: string }[]): Promise<number> {
    const removed = await this.sql.transaction(async (tx) => {
      let count = 0;
      for (const { id, hash } of added) count += await tx.run('DELETE FROM agents WHERE id = ? AND password_hash = ?', [id, hash]);
      await rosterChanged(tx);
      return count;
    });
    this.forget();
    for (const { extenUser } of added) this.known.delete(extenUser);
    return removed;
  }

  async list(): Promise<Agent[]> {
    return (await this.sql.all<AgentRow>('SELECT * FROM agents ORDER BY exten_user')).map(toAgent);
  }

  async get(extenUser: string): Promise<Agent | undefined> {
    let cached = this.cache.get(extenUser);
    if (!cached) {
      cached = this.row(extenUser).then(
        (row) => {
          const agent = row ? toAgent(row) : null;
          if (agent) this.known.set(extenUser, agent);
          else this.known.delete(extenUser);
          return agent;
        },
        (err: unknown) => {
          // A failed read is not remembered: the next message asks again.
          this.cache.delete(extenUser);
          const known = this.known.get(extenUser);
          if (known) return known;
          throw err;
        },
      );
      this.cache.set(extenUser, cached);
    }
    return (await cached) ?? undefined;
  }

  /** Drops cached agents; called after any change to the roster, here or by another process. */
  forget(): void {
    this.cache.clear();
  }

  /** Removes the agent; its sessions go with it (the relay closes their sockets at once). */
  async remove(extenUser: string): Promise<void> {
    const changes = await this.sql.transaction(async (tx) => {
      const removed = await tx.run('DELETE FROM agents WHERE exten_user = ?', [extenUser]);
      await rosterChanged(tx);
      return removed;
    });
    this.forget();
    this.known.delete(extenUser);
    if (changes === 0) throw new NoSuchAgentError(`no agent ${extenUser}`);
  }

  /** Renames, enables or disables an agent; disabling ends its sessions (the relay closes their sockets). */
  async update(extenUser: string, change: { name?: string; enabled?: boolean }): Promise<Agent> {
    const updated = await this.sql.transaction(async (tx) => {
      const agent = await this.row(extenUser, tx);
      if (!agent) throw new NoSuchAgentError(`no agent ${extenUser}`);
      if (change.name !== undefined) await tx.run('UPDATE agents SET name = ? WHERE id = ?', [change.name, agent.id]);
      if (change.enabled !== undefined) {
        await tx.run('UPDATE agents SET enabled = ? WHERE id = ?', [change.enabled ? 1 : 0, agent.id]);
        if (!change.enabled) await tx.run('DELETE FROM sessions WHERE agent_id = ?', [agent.id]);
      }
      await rosterChanged(tx);
      return (await this.row(extenUser, tx))!;
    });
    this.forget();
    this.known.delete(extenUser);
    return toAgent(updated);
  }

  /** Sets a new password and ends every session of the agent. */
  async setPassword(extenUser: string, password: string): Promise<void> {
    const hash = await hashPassword(password);
    await this.sql.transaction(async (tx) => {
      const agent = await this.row(extenUser, tx);
      if (!agent) throw new NoSuchAgentError(`no agent ${extenUser}`);
      await tx.run('UPDATE agents SET password_hash = ? WHERE id = ?', [hash, agent.id]);
      await tx.run('DELETE FROM sessions WHERE agent_id = ?', [agent.id]);
      await rosterChanged(tx);
    });
    await this.throttle.forgetAccount(`agent:${extenUser}`);
  }

  /** Trades extension user and password for a session token. Failures from `ip` slow it down (SignInThrottle). */
  async signIn(extenUser: string, password: string, ip?: string, now = Date.now()): Promise<SignInResult> {
    const check = await checkPassword(this.throttle, 'agent', extenUser, await this.row(extenUser), password, ip);
    if (!check.ok) return check;
    const { row } = check;
    if (row.enabled !== 1) return { ok: false, code: 'ACCOUNT_DISABLED' };
    const token = randomToken();
    const expiresAt = now + this.sessionTtlMs;
    await this.sql.transaction(async (tx) => {
      await tx.run('INSERT INTO sessions (token_hash, agent_id, created_at, expires_at) VALUES (?, ?, ?, ?)', [sha256(token), row.id, now, expiresAt]);
      await tx.run('DELETE FROM sessions WHERE expires_at <= ? OR revoked_at IS NOT NULL', [now]);
    });
    return { ok: true, token, expiresAt, agent: toAgent(row) };
  }

  /** The agent a live session belongs to; undefined when unknown, expired, revoked or disabled. */
  async session(tokenHash: string, now = Date.now()): Promise<Agent | undefined> {
    const row = await this.sql.get<AgentRow>(
      `SELECT a.* FROM sessions s JOIN agents a ON a.id = s.agent_id
       WHERE s.token_hash = ? AND s.revoked_at IS NULL AND s.expires_at > ? AND a.enabled = 1`,
      [tokenHash, now],
    );
    if (!row) return undefined;
    const agent = toAgent(row);
    this.known.set(agent.extenUser, agent);
    return agent;
  }

  async signOut(tokenHash: string, now = Date.now()): Promise<void> {
    await this.sql.transaction(async (tx) => {
      await tx.run('UPDATE sessions SET revoked_at = ? WHERE token_hash = ?', [now, tokenHash]);
      await rosterChanged(tx);
    });
  }

  /** Changes with every session ended and every agent changed, by any relay or the CLI: relays watch it (revocation-watch). */
  rosterVersion(): Promise<string> {
    return this.sql.get<{ value: string }>("SELECT value FROM relay_settings WHERE key = 'roster-version'").then((r) => r?.value ?? '');
  }
}

async function rosterChanged(tx: Sql): Promise<void> {
  await tx.run("INSERT INTO relay_settings (key, value) VALUES ('roster-version', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value", [randomToken(8)]);
}
