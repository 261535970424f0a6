import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { openDatabase, type DB } from './db';
import { GroupCommit } from './group-commit';

let db: DB;
let commits: GroupCommit;
const insert = (key: string) => () => void db.prepare('INSERT INTO t (k) VALUES (?)').run(key);
const keys = () => (db.prepare('SELECT k FROM t ORDER BY rowid').all() as { k: string }[]).map((r) => r.k);

beforeEach(() => {
  db = openDatabase(mkdtempSync(join(tmpdir(), 'group-commit-')));
  db.exec('CREATE TABLE t (k TEXT UNIQUE)');
  commits = new GroupCommit(db);
});

describe('GroupCommit', () => {
  it('commits every write queued in one turn of the event loop in one transaction, in order', async () => {
    let transactions = 0;
    const original = db.transaction.bind(db);
    db.transaction = ((fn: () => void) => {
      transactions++;
      return original(fn);
    }) as typeof db.transaction;
    const done = [commits.write(insert('a')), commits.write(insert('b')), commits.write(insert('c'))];
    expect(keys()).toEqual([]);
    await Promise.all(done);
    expect(keys()).toEqual(['a', 'b', 'c']);
    expect(transactions).toBe(1);
    await commits.write(insert('d'));
    expect(transactions).toBe(2);
  });

  it('commits at once on flush(), before the turn ends', async () => {
    const done = commits.write(insert('now'));
    commits.flush();
    expect(keys()).toEqual(['now']);
    await done;
  });

  it('rejects every write of a group that failed, and commits none of them; the next group goes on', async () => {
    await commits.write(insert('taken'));
    const group = [commits.write(insert('x')), commits.write(insert('taken'))];
    const results = await Promise.allSettled(group);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    expect(keys()).toEqual(['taken']);
    await commits.write(insert('y'));
    expect(keys()).toEqual(['taken', 'y']);
  });
});
