import Database from 'better-sqlite3';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openDatabase } from './db';
import { OtherWriters } from './other-writers';

describe('OtherWriters', () => {
  it("sees another connection's commits, at most once per interval, and never the relay's own", () => {
    const db = openDatabase(mkdtempSync(join(tmpdir(), 'writers-')));
    const other = new Database(db.name);
    const watch = new OtherWriters(db, 1_000);
    const otherWrites = (key: string) => other.prepare('INSERT INTO relay_settings (key, value) VALUES (?, ?)').run(key, '1');
    expect(watch.wrote(0)).toBe(false);
    otherWrites('a');
    expect(watch.wrote(500)).toBe(false);
    expect(watch.wrote(1_000)).toBe(true);
    expect(watch.wrote(2_000)).toBe(false);
    db.prepare("INSERT INTO relay_settings (key, value) VALUES ('own', '1')").run();
    other.pragma('wal_checkpoint(PASSIVE)');
    expect(watch.wrote(3_000)).toBe(false);
    otherWrites('b');
    expect(watch.wrote(4_000)).toBe(true);
    other.close();
    db.close();
  });
});
