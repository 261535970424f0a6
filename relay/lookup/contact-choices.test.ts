import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { SqliteSql } from '../platform/sql';
import type { Store } from '../platform/store';
import { emptyStore } from '../tests/services';
import { ContactChoices, type ContactChoice } from './contact-choices';
import { settledThisTurn } from './this-turn';

const choice = (id: string, chosenBy = 'Dana'): ContactChoice => ({ number: '+972722776772', source: 'crm', id, name: `Contact ${id}`, company: '', url: '', chosenBy, chosenAt: 1_000 });

describe('ContactChoices on the embedded file (answers kept in memory)', () => {
  let store: Store;
  afterEach(async () => {
    await store?.close();
  });

  it('a choice made, changed or cleared through the relay is read at once', async () => {
    store = (await emptyStore('sqlite', null))!;
    const choices = new ContactChoices(store.sql);
    expect(await settledThisTurn(choices.get('+972722776772'))).toBeNull();
    await choices.set(choice('a'));
    expect(await settledThisTurn(choices.get('+972722776772'))).toMatchObject({ id: 'a' });
    await choices.set(choice('b', 'Noa'));
    expect(await settledThisTurn(choices.get('+972722776772'))).toMatchObject({ id: 'b', chosenBy: 'Noa' });
    expect(await choices.remove('+972722776772')).toBe(true);
    expect(await settledThisTurn(choices.get('+972722776772'))).toBeNull();
  });

  it('a choice another process wrote to the file is read within a second', async () => {
    store = (await emptyStore('sqlite', null))!;
    const choices = new ContactChoices(store.sql);
    expect(await settledThisTurn(choices.get('+972722776772'))).toBeNull();
    const other = new Database(store.sqlite!.name);
    await new ContactChoices(new SqliteSql(other)).set(choice('c'));
    other.close();
    // Seen within a second (the relay looks for other writers at most once a second).
    await expect.poll(() => settledThisTurn(choices.get('+972722776772')), { timeout: 3_000 }).toMatchObject({ id: 'c' });
  });
});
