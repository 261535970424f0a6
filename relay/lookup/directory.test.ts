import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { parsePhone } from '../../shared/phone';
import { openDatabase, type DB } from '../platform/db';
import { Directory } from './directory';

let db: DB;
let directory: Directory;
const lookup = (n: string) => directory.lookup(parsePhone(n, 'IL'));

beforeEach(() => {
  db = openDatabase(mkdtempSync(join(tmpdir(), 'directory-')));
  directory = new Directory(db, 'IL', 9);
});

describe('Directory', () => {
  it('uses WAL mode', () => {
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
  });

  it('finds a contact by any of its numbers, in any form', () => {
    directory.upsert({ id: '7', name: 'Dana', company: 'Acme', url: '', phones: ['072-277-6772', '+972 50 123 4567'] });
    for (const n of ['972722776772', '0722776772', '+972-72-277-6772', '0501234567']) {
      expect(lookup(n)).toEqual({ how: 'exact', contacts: [{ id: '7', name: 'Dana', company: 'Acme', url: '' }] });
    }
  });

  it('prefers an exact E.164 match to a last-digits match', () => {
    directory.upsert({ id: 'il', name: 'Israel', company: '', url: '', phones: ['+972722776772'] });
    directory.upsert({ id: 'us', name: 'Elsewhere', company: '', url: '', phones: ['+1 722776772'] });
    expect(lookup('0722776772')).toMatchObject({ how: 'exact', contacts: [{ id: 'il' }] });
  });

  it('falls back to the last 9 digits when no number matches exactly', () => {
    directory.upsert({ id: 'x', name: 'Stored oddly', company: '', url: '', phones: ['*31#722776772'] });
    expect(lookup('0722776772')).toMatchObject({ how: 'suffix', contacts: [{ id: 'x' }] });
  });

  it('returns every contact that shares a number', () => {
    directory.upsert({ id: 'a', name: 'A', company: 'Acme', url: '', phones: ['037654321'] });
    directory.upsert({ id: 'b', name: 'B', company: 'Acme', url: '', phones: ['03-765-4321'] });
    expect(lookup('+97237654321').contacts.map((c) => c.id).sort()).toEqual(['a', 'b']);
  });

  it('finds nobody for a withheld or short number', () => {
    directory.upsert({ id: 'a', name: 'A', company: '', url: '', phones: ['0722776772'] });
    expect(lookup('Anonymous')).toEqual({ how: 'none', contacts: [] });
    expect(lookup('6772')).toEqual({ how: 'none', contacts: [] });
  });

  it('updates a contact with the same id instead of adding another', () => {
    expect(directory.upsert({ id: '1', name: 'Old', company: '', url: '', phones: ['0722776772'] })).toBe('added');
    expect(directory.upsert({ id: '1', name: 'New', company: '', url: '', phones: ['0501234567'] })).toBe('updated');
    expect(directory.count()).toBe(1);
    expect(lookup('0722776772').contacts).toEqual([]);
    expect(lookup('0501234567').contacts[0]?.name).toBe('New');
  });

  it('answers with one query on an index', () => {
    const plan = db
      .prepare(
        `EXPLAIN QUERY PLAN SELECT c.id FROM contact_phones p JOIN contacts c ON c.id = p.contact_id WHERE p.suffix = ?`,
      )
      .all('722776772') as { detail: string }[];
    expect(plan.map((p) => p.detail).join(' ')).toMatch(/contact_phones_by_suffix|USING (COVERING )?INDEX/);
  });
});
