import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { Admins } from '../accounts/admins';
import { AgentExistsError, Agents, NoSuchAgentError } from '../accounts/agents';
import { sha256 } from '../accounts/secrets';
import type { Store } from '../platform/store';
import { emptyStore, ENGINES, freshPostgres } from './services';

/** Agents, sessions and administrators behave the same on the embedded file and on PostgreSQL. */
const database = await freshPostgres();
afterAll(async () => {
  await database?.drop();
});

const HOUR = 3_600_000;

describe.each(ENGINES)('accounts on %s', (engine) => {
  let store: Store;
  afterEach(async () => {
    await store?.close();
  });
  /** Skips the test (saying why once, in freshPostgres) when PostgreSQL is not there. */
  const open = async (skip: (note: string) => void): Promise<Store> => {
    const opened = await emptyStore(engine, database);
    if (!opened) skip('PostgreSQL is not reachable');
    store = opened!;
    return store;
  };

  it('stores a scrypt hash of the password and of each session token, never either', async ({ skip }) => {
    const agents = new Agents((await open(skip)).sql, HOUR);
    await agents.add('A1', 'Dana', 'correct horse');
    const row = await store.sql.get<{ password_hash: string }>('SELECT password_hash FROM agents');
    expect(row!.password_hash).toMatch(/^scrypt\$16384\$8\$1\$/);
    expect(row!.password_hash).not.toContain('correct horse');
    const result = await agents.signIn('A1', 'correct horse', undefined, 1_000);
    if (!result.ok) throw new Error('sign-in failed');
    expect(await store.sql.all('SELECT token_hash FROM sessions')).toEqual([{ token_hash: sha256(result.token) }]);
    expect((await agents.session(sha256(result.token), 2_000))?.extenUser).toBe('A1');
  });

  it('expires sessions after their lifetime, and ends them on sign-out, removal, disabling and a new password', async ({ skip }) => {
    const agents = new Agents((await open(skip)).sql, HOUR);
    await agents.add('A1', '', 'pw');
    const session = async (at = 0) => {
      const r = await agents.signIn('A1', 'pw', undefined, at);
      if (!r.ok) throw new Error('sign-in failed');
      return sha256(r.token);
    };
    const first = await session();
    expect(await agents.session(first, HOUR - 1)).toBeDefined();
    expect(await agents.session(first, HOUR)).toBeUndefined();
    const now = Date.now();
    const out = await session(now);
    await agents.signOut(out);
    expect(await agents.session(out, now + 1)).toBeUndefined();
    const passwd = await session(now);
    await agents.setPassword('A1', 'pw');
    expect(await agents.session(passwd, now + 1)).toBeUndefined();
    const disabled = await session(now);
    expect(await agents.update('A1', { enabled: false, name: 'Dana' })).toMatchObject({ extenUser: 'A1', name: 'Dana', enabled: false });
    expect(await agents.session(disabled, now + 1)).toBeUndefined();
    expect(await agents.signIn('A1', 'pw')).toEqual({ ok: false, code: 'ACCOUNT_DISABLED' });
    expect(await agents.signIn('A1', 'not-the-password')).toEqual({ ok: false, code: 'UNAUTHORIZED' });
    await agents.update('A1', { enabled: true });
    const removed = await session(now);
    await agents.remove('A1');
    expect(await agents.session(removed, now + 1)).toBeUndefined();
    expect(await agents.get('A1')).toBeUndefined();
  });

  it('refuses a second agent of one extension user, and names a missing one', async ({ skip }) => {
    const agents = new Agents((await open(skip)).sql, HOUR);
    await agents.add('A1', 'Dana', 'pw');
    await expect(agents.add('A1', 'Other', 'pw')).rejects.toThrow(AgentExistsError);
    await expect(agents.remove('nobody')).rejects.toThrow(NoSuchAgentError);
    await expect(agents.update('nobody', { name: 'x' })).rejects.toThrow(NoSuchAgentError);
    await expect(agents.setPassword('nobody', 'x')).rejects.toThrow(NoSuchAgentError);
    expect((await agents.list()).map((a) => a.name)).toEqual(['Dana']);
  });

  it('adds agents in parallel without losing or doubling one', async ({ skip }) => {
    const agents = new Agents((await open(skip)).sql, HOUR);
    const names = Array.from({ length: 20 }, (_, i) => `P${String(i).padStart(2, '0')}`);
    const results = await Promise.allSettled([...names, ...names].map((n) => agents.add(n, '', 'pw')));
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(20);
    expect(results.filter((r) => r.status === 'rejected').every((r) => r.reason instanceof AgentExistsError)).toBe(true);
    expect((await agents.list()).map((a) => a.extenUser)).toEqual(names);
  });

  it('gives the first administrator a password once, even when several relays start at once', async ({ skip }) => {
    const { sql } = await open(skip);
    const admins = new Admins(sql, HOUR);
    const passwords = (await Promise.all([admins.ensureFirst(), admins.ensureFirst(), admins.ensureFirst()])).filter(Boolean);
    expect(passwords).toHaveLength(1);
    expect(await admins.count()).toBe(1);
    const signedIn = await admins.signIn('admin', passwords[0]!);
    if (!signedIn.ok) throw new Error('sign-in failed');
    expect(await admins.session(signedIn.token)).toMatchObject({ username: 'admin' });
    await admins.setPassword('admin', 'new');
    expect(await admins.session(signedIn.token)).toBeUndefined();
    const again = await admins.signIn('admin', 'new');
    if (!again.ok) throw new Error('sign-in failed');
    await admins.signOut(again.token);
    expect(await admins.session(again.token)).toBeUndefined();
  });
});
