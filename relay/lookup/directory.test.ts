import { afterAll, afterEach, describe, expect, it } from 'vitest';
import Database from 'better-sqlite3';
import { parsePhone } from '../../shared/phone';
import { SqliteSql } from '../platform/sql';
import type { Store } from '../platform/store';
import { emptyStore, ENGINES, freshPostgres } from '../tests/services';
import { Directory } from './directory';
import { pendingAfterMicrotasks, settledThisTurn } from './this-turn';

/** The directory behaves the same on the embedded file and on PostgreSQL. */
const database = await freshPostgres();
afterAll(async () => {
  await database?.drop();
});

describe.each(ENGINES)('Directory on %s', (engine) => {
  let store: Store;
  let directory: Directory;
  const lookup = async (n: string) => directory.lookup(parsePhone(n, 'IL'));
  afterEach(async () => {
    await store?.close();
  });
  const open = async (skip: (note: string) => void) => {
    const opened = await emptyStore(engine, database);
    if (!opened) skip('PostgreSQL is not reachable');
    store = opened!;
    directory = new Directory(store.sql, 'IL', 9);
  };

  it('finds a contact by any of its numbers, in any form', async ({ skip }) => {
    await open(skip);
    await directory.upsert({ id: '7', name: 'Dana', company: 'Acme', url: '', phones: ['072-277-6772', '+972 50 123 4567'] });
    for (const n of ['972722776772', '0722776772', '+972-72-277-6772', '0501234567']) {
      expect(await lookup(n)).toEqual({ how: 'exact', contacts: [{ id: '7', name: 'Dana', company: 'Acme', url: '' }] });
    }
  });

  it('answers within the turn on the embedded file (the caller is in the first message), later on PostgreSQL', async ({ skip }) => {
    await open(skip);
    const answer = directory.lookup(parsePhone('0722776772', 'IL'));
    if (engine === 'postgres') expect(await pendingAfterMicrotasks(answer)).toBe(true);
    else await settledThisTurn(answer);
    expect((await answer).how).toBe('none');
  });

  it('prefers an exact E.164 match to a last-digits match', async ({ skip }) => {
    await open(skip);
    await directory.upsert({ id: 'il', name: 'Israel', company: '', url: '', phones: ['+972722776772'] });
    await directory.upsert({ id: 'us', name: 'Elsewhere', company: '', url: '', phones: ['+1 722776772'] });
    expect(await lookup('0722776772')).toMatchObject({ how: 'exact', contacts: [{ id: 'il' }] });
  });

  it('falls back to the last 9 digits when no number matches exactly', async ({ skip }) => {
    await open(skip);
    await directory.upsert({ id: 'x', name: 'Stored oddly', company: '', url: '', phones: ['*31#722776772'] });
    expect(await lookup('0722776772')).toMatchObject({ how: 'suffix', contacts: [{ id: 'x' }] });
  });

  it('returns every contact that shares a number', async ({ skip }) => {
    await open(skip);
    await directory.upsertAll([
      { id: 'a', name: 'A', company: 'Acme', url: '', phones: ['037654321'] },
      { id: 'b', name: 'B', company: 'Acme', url: '', phones: ['03-765-4321'] },
    ]);
    expect((await lookup('+97237654321')).contacts.map((c) => c.id).sort()).toEqual(['a', 'b']);
  });

  it('finds nobody for a withheld or short number', async ({ skip }) => {
    await open(skip);
    await directory.upsert({ id: 'a', name: 'A', company: '', url: '', phones: ['0722776772'] });
    expect(await lookup('Anonymous')).toEqual({ how: 'none', contacts: [] });
    expect(await lookup('6772')).toEqual({ how: 'none', contacts: [] });
  });

  it('updates a contact with the same id instead of adding another', async ({ skip }) => {
    await open(skip);
    expect(await directory.upsert({ id: '1', name: 'Old', company: '', url: '', phones: ['0722776772'] })).toBe('added');
    expect(await directory.upsert({ id: '1', name: 'New', company: '', url: '', phones: ['0501234567'] })).toBe('updated');
    expect(await directory.count()).toBe(1);
    expect((await lookup('0722776772')).contacts).toEqual([]);
    expect((await lookup('0501234567')).contacts[0]?.name).toBe('New');
  });

  it('searches names and companies whatever their case, Hebrew too, and numbers by their digits', async ({ skip }) => {
    await open(skip);
    await directory.upsertAll([
      { id: '1', name: 'Dana Cohen', company: 'Acme 100%', url: '', phones: ['072-277-6772'] },
      { id: '2', name: 'אבי לוי', company: 'חברה בע"מ', url: '', phones: ['+972 3 765 4321', '050-123-4567'] },
    ]);
    const names = async (q: string) => (await directory.search(q)).map((c) => c.name);
    expect(await names('dana')).toEqual(['Dana Cohen']);
    expect(await names('ACME')).toEqual(['Dana Cohen']);
    expect(await names('100%')).toEqual(['Dana Cohen']);
    // A % typed is a percent sign, not "anything".
    expect(await names('e%')).toEqual([]);
    expect(await names('לוי')).toEqual(['אבי לוי']);
    expect(await names('7654321')).toEqual(['אבי לוי']);
    expect(await names('')).toEqual(['Dana Cohen', 'אבי לוי']);
    const [avi] = await directory.search('לוי');
    expect(avi!.phones.sort()).toEqual(['+972 3 765 4321', '050-123-4567']);
    expect(await directory.update(avi!.key, { name: 'Avi Levi', company: '', url: 'https://crm.example/2', phones: ['050-123-4567'] })).toBe(true);
    expect(await directory.get(avi!.key)).toMatchObject({ id: '2', name: 'Avi Levi', phones: ['050-123-4567'] });
    expect(await directory.update(999_999, { name: 'x', company: '', url: '', phones: [] })).toBe(false);
  });

  it('deletes a contact with its numbers: lookups no longer name it, and its version moves', async ({ skip }) => {
    await open(skip);
    await directory.upsertAll([
      { id: '1', name: 'Dana', company: '', url: '', phones: ['0722776772', '0501234567'] },
      { id: '2', name: 'Noa', company: '', url: '', phones: ['0541234567'] },
    ]);
    expect((await lookup('0722776772')).contacts[0]?.name).toBe('Dana');
    const version = () => store.sql.get<{ value: string }>("SELECT value FROM relay_settings WHERE key = 'directory-version'");
    const before = await version();
    const [dana] = await directory.search('Dana');
    expect(await directory.remove(dana!.key)).toBe(true);
    expect(await version()).not.toEqual(before);
    expect(await lookup('0722776772')).toEqual({ how: 'none', contacts: [] });
    expect(await lookup('0501234567')).toEqual({ how: 'none', contacts: [] });
    expect(await store.sql.all('SELECT raw FROM contact_phones')).toEqual([{ raw: '0541234567' }]);
    expect(await directory.remove(dana!.key)).toBe(false);
    expect(await directory.count()).toBe(1);
  });

  it('answers with one query on an index', async ({ skip }) => {
    await open(skip);
    const explain = engine === 'sqlite' ? 'EXPLAIN QUERY PLAN' : 'EXPLAIN';
    if (engine === 'postgres') await store.sql.run('SET enable_seqscan = off');
    const plan = await store.sql.all<Record<string, string>>(
      `${explain} SELECT c.id FROM contact_phones p JOIN contacts c ON c.id = p.contact_id WHERE p.suffix = ?`,
      ['722776772'],
    );
    expect(plan.map((p) => Object.values(p).join(' ')).join(' ')).toMatch(/contact_phones_by_suffix|USING (COVERING )?INDEX/);
    if (store.sql instanceof SqliteSql) expect(store.sqlite!.pragma('journal_mode', { simple: true })).toBe('wal');
  });
});

describe('Directory answers kept in memory (embedded file)', () => {
  let store: Store;
  afterEach(async () => {
    await store?.close();
  });
  const opened = async () => {
    store = (await emptyStore('sqlite', null))!;
    const directory = new Directory(store.sql, 'IL', 9);
    return { directory, lookup: (n: string) => settledThisTurn(directory.lookup(parsePhone(n, 'IL'))) };
  };

  it('a contact added or changed through the relay is found at once', async () => {
    const { directory, lookup } = await opened();
    expect(await lookup('0722776772')).toEqual({ how: 'none', contacts: [] });
    await directory.upsert({ id: '7', name: 'Dana', company: 'Acme', url: '', phones: ['072-277-6772'] });
    expect(await lookup('0722776772')).toMatchObject({ contacts: [{ name: 'Dana' }] });
    const [entry] = await directory.search('Dana');
    await directory.update(entry!.key, { name: 'Dana Levi', company: 'Acme', url: '', phones: ['072-277-6772'] });
    expect(await lookup('0722776772')).toMatchObject({ contacts: [{ name: 'Dana Levi' }] });
    await directory.upsertAll([{ id: '8', name: 'Noa', company: '', url: '', phones: ['0722776772'] }], Date.now() + 60_000);
    expect(await lookup('0722776772')).toMatchObject({ contacts: [{ name: 'Noa' }, { name: 'Dana Levi' }] });
  });

  it('a contact another process wrote to the file (the CLI) is found within a second', async () => {
    const { lookup } = await opened();
    expect(await lookup('0501234567')).toEqual({ how: 'none', contacts: [] });
    const cli = new Database(store.sqlite!.name);
    const other = new Directory(new SqliteSql(cli), 'IL', 9);
    await other.upsert({ id: '9', name: 'Yael', company: '', url: '', phones: ['050-123-4567'] });
    cli.close();
    // Seen within a second (the relay looks for other writers at most once a second).
    await expect.poll(() => lookup('0501234567'), { timeout: 3_000 }).toMatchObject({ how: 'exact', contacts: [{ name: 'Yael' }] });
  });

  it('a kept answer cannot be changed by whoever receives it', async () => {
    const { directory, lookup } = await opened();
    await directory.upsert({ id: '7', name: 'Dana', company: 'Acme', url: '', phones: ['072-277-6772'] });
    const answer = (await lookup('0722776772')) as { contacts: { name: string }[] };
    expect(() => (answer.contacts[0]!.name = 'Someone else')).toThrow(TypeError);
    expect(await lookup('0722776772')).toMatchObject({ contacts: [{ name: 'Dana' }] });
  });
});
