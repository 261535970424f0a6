import { afterAll, describe, expect, it } from 'vitest';
import { AdminExistsError, Admins, LastAdminError, NoSuchAdminError } from '../accounts/admins';
import { ENGINES, freshPostgres } from './services';
import { storePerTest } from './per-test';

/** Administrators — added, listed, removed (never the last), their first password — alike on both engines. */
const database = await freshPostgres();
afterAll(async () => {
  await database?.drop();
});

const HOUR = 3_600_000;

describe.each(ENGINES)('administrators on %s', (engine) => {
  const store = storePerTest(engine, database);
  const open = async (skip: (note: string) => void): Promise<Admins> => new Admins((await store(skip)).sql, HOUR);

  it('lists, adds and removes administrators, ending the removed one\'s sessions; never the last one', async ({ skip }) => {
    const admins = await open(skip);
    await admins.ensureFirst(1_000);
    const dana = await admins.add('dana', 'dana-password', 2_000);
    expect(await admins.list()).toEqual([
      { id: expect.any(Number) as number, username: 'admin', createdAt: 1_000 },
      { id: dana.id, username: 'dana', createdAt: 2_000 },
    ]);
    await expect(admins.add('dana', 'another-one')).rejects.toThrow(AdminExistsError);
    const session = await admins.signIn('dana', 'dana-password');
    if (!session.ok) throw new Error('sign-in failed');
    await admins.remove('dana');
    expect(await admins.session(session.token)).toBeUndefined();
    expect((await admins.list()).map((a) => a.username)).toEqual(['admin']);
    await expect(admins.remove('nobody')).rejects.toThrow(NoSuchAdminError);
    await expect(admins.remove('admin')).rejects.toThrow(LastAdminError);
    expect(await admins.count()).toBe(1);
  });

  it('two removals at once leave one administrator', async ({ skip }) => {
    const admins = await open(skip);
    await admins.add('one', 'password-1');
    await admins.add('two', 'password-2');
    const results = await Promise.allSettled([admins.remove('one'), admins.remove('two')]);
    expect(results.filter((r) => r.status === 'rejected').map((r) => (r).reason)).toEqual([expect.any(LastAdminError)]);
    expect(await admins.count()).toBe(1);
  });

  it('changePassword refuses an unknown name and creates nobody', async ({ skip }) => {
    const admins = await open(skip);
    await admins.ensureFirst();
    await expect(admins.changePassword('amdin', 'typo-password')).rejects.toThrow(NoSuchAdminError);
    expect((await admins.list()).map((a) => a.username)).toEqual(['admin']);
    await admins.changePassword('admin', 'chosen-password');
    expect((await admins.signIn('admin', 'chosen-password')).ok).toBe(true);
  });

  it('keeps the first password until the first administrator signs in', async ({ skip }) => {
    const admins = await open(skip);
    const password = await admins.ensureFirst();
    expect(await admins.pendingFirstPassword()).toBe(password);
    await admins.add('dana', 'dana-password');
    expect((await admins.signIn('dana', 'dana-password')).ok).toBe(true);
    expect(await admins.pendingFirstPassword()).toBe(password);
    expect((await admins.signIn('admin', 'wrong-password')).ok).toBe(false);
    expect(await admins.pendingFirstPassword()).toBe(password);
    expect((await admins.signIn('admin', password!)).ok).toBe(true);
    expect(await admins.pendingFirstPassword()).toBeNull();
  });

  it('forgets the first password once it is changed', async ({ skip }) => {
    const admins = await open(skip);
    await admins.ensureFirst();
    await admins.setPassword('admin', 'changed-password');
    expect(await admins.pendingFirstPassword()).toBeNull();
  });
});
