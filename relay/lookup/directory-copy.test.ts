import pino from 'pino';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { parsePhone } from '../../shared/phone';
import type { Store } from '../platform/store';
import { emptyStore, freshPostgres } from '../tests/services';
import { Directory } from './directory';
import { DirectoryCopy } from './directory-copy';

/** The relay's own copy of the directory on PostgreSQL: follows every change, bounded, and answers when the database does not. */
const database = await freshPostgres();
afterAll(async () => {
  await database?.drop();
});

const log = pino({ level: 'silent' });
const phone = (n: string) => parsePhone(n, 'IL');

describe.skipIf(!database)('DirectoryCopy', () => {
  let store: Store;
  afterEach(async () => {
    await store?.close();
  });

  it('copies the directory, and again only once it changed (a change anywhere moves its version)', async () => {
    store = (await emptyStore('postgres', database))!;
    const directory = new Directory(store.sql, 'IL', 9);
    const copy = new DirectoryCopy(store.sql, 'IL', 9, { log });
    await directory.upsert({ id: '1', name: 'Dana', company: 'Acme', url: '', phones: ['0722776772'] });
    await copy.sync();
    expect(copy.lookup(phone('+972722776772'))).toEqual({ how: 'exact', contacts: [{ id: '1', name: 'Dana', company: 'Acme', url: '' }] });
    const first = copy.status();
    expect(first).toMatchObject({ contacts: 1, truncated: false });

    // Another relay's change (a second Directory on the same database): seen at the next sync.
    const other = new Directory(store.sql, 'IL', 9);
    await other.upsertAll([{ id: '2', name: 'Yael', company: '', url: '', phones: ['050-123-4567'] }]);
    await copy.sync();
    expect(copy.lookup(phone('0501234567'))?.contacts[0]?.name).toBe('Yael');
    const key = (await other.search('Dana'))[0]!.key;
    await other.update(key, { name: 'Dana Cohen', company: 'Acme', url: '', phones: ['0722776772'] });
    await copy.sync();
    expect(copy.lookup(phone('0722776772'))?.contacts[0]?.name).toBe('Dana Cohen');
    expect(copy.status().contacts).toBe(2);
    // Deleted on another relay (the console's Directory page): gone from this one's copy too.
    expect(await other.remove(key)).toBe(true);
    await copy.sync();
    expect(copy.lookup(phone('0722776772'))).toEqual({ how: 'none', contacts: [] });
    expect(copy.status().contacts).toBe(1);
    copy.close();
  });

  it('keeps at most its limit, the newest contacts, and says it is truncated', async () => {
    store = (await emptyStore('postgres', database))!;
    const directory = new Directory(store.sql, 'IL', 9);
    await directory.upsertAll(Array.from({ length: 5 }, (_, i) => ({ id: `c${i}`, name: `Contact ${i}`, company: '', url: '', phones: [`05012345${String(i).padStart(2, '0')}`] })));
    const copy = new DirectoryCopy(store.sql, 'IL', 9, { log, maxContacts: 3 });
    await copy.sync();
    expect(copy.status()).toMatchObject({ contacts: 3, truncated: true });
    expect(copy.lookup(phone('0501234504'))?.contacts[0]?.name).toBe('Contact 4');
    expect(copy.lookup(phone('0501234500'))?.how).toBe('none');
    copy.close();
  });

  it('answers for the directory when PostgreSQL does not answer in time, and says so', async () => {
    store = (await emptyStore('postgres', database))!;
    const directory = new Directory(store.sql, 'IL', 9);
    await directory.upsert({ id: '1', name: 'Dana', company: '', url: '', phones: ['0722776772'] });
    const copy = new DirectoryCopy(store.sql, 'IL', 9, { log });
    await copy.sync();
    // A database that never answers: the lookup's query hangs, the copy answers at the deadline.
    const never = () => new Promise<never>(() => undefined);
    const hanging = new Directory({ engine: 'postgres', all: never, get: never, run: never, transaction: never }, 'IL', 9);
    hanging.useCopy(copy, 50);
    await expect(hanging.lookup(phone('0722776772'))).resolves.toMatchObject({ how: 'exact', fromCopy: true, contacts: [{ name: 'Dana' }] });
    // Nobody in the copy either: the database's failure is the answer, as without a copy.
    await expect(hanging.lookup(phone('0541111111'))).resolves.toMatchObject({ how: 'none', fromCopy: true });
    copy.close();
  });
});
