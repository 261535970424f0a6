import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { beforeEach, describe, expect, it } from 'vitest';
import { parsePhone } from '../../shared/phone';
import { importContacts, ImportError } from './contacts-import';
import { openDatabase } from '../platform/db';
import { SqliteSql } from '../platform/sql';
import { Directory } from './directory';

let dir: string;
let directory: Directory;
const csv = (name: string, text: string) => {
  const file = join(dir, name);
  writeFileSync(file, text);
  return file;
};

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'import-'));
  directory = new Directory(new SqliteSql(openDatabase(dir)), 'IL', 9);
});

describe('importContacts', () => {
  it('imports UTF-8 with a BOM, quoted fields, Hebrew, several phones and urls', async () => {
    const file = csv(
      'a.csv',
      '\uFEFFid,name,company,phone,phone2,url\r\n' +
        '1,"Cohen, Dana",Acme,072-277-6772,050-123-4567,https://crm.example/1\r\n' +
        '2,אבי לוי,חברה בע"מ,+972 3 765 4321,,\r\n',
    );
    expect(await importContacts(file, directory)).toEqual({ good: 2, added: 2, updated: 0, bad: [] });
    expect((await directory.lookup(parsePhone('0501234567', 'IL'))).contacts).toEqual([
      { id: '1', name: 'Cohen, Dana', company: 'Acme', url: 'https://crm.example/1' },
    ]);
    expect((await directory.lookup(parsePhone('037654321', 'IL'))).contacts[0]).toMatchObject({ name: 'אבי לוי', company: 'חברה בע"מ' });
  });

  it('reports bad rows by line number and keeps the good ones', async () => {
    const file = csv(
      'b.csv',
      'name,company,phone,url\n' +
        'Good One,A,0722776772,\n' +
        ',B,0501234567,\n' +
        'No Phone,C,,\n' +
        'Bad Url,D,0501234568,javascript:alert(1)\n' +
        'Not a number,E,n/a,\n' +
        'Good Two,F,0501234569,\n',
    );
    const report = await importContacts(file, directory);
    expect(report.added).toBe(2);
    expect(report.bad).toEqual([
      { line: 3, reason: 'name is empty' },
      { line: 4, reason: 'no phone number' },
      { line: 5, reason: 'url must start with http:// or https://' },
      { line: 6, reason: 'not a phone number: n/a' },
    ]);
  });

  it('updates on re-import instead of duplicating', async () => {
    const withIds = csv('c.csv', 'id,name,company,phone\n9,Dana,Acme,0722776772\n');
    const withoutIds = csv('d.csv', 'name,company,phone\nAvi,Beta,0501234567\n');
    await importContacts(withIds, directory);
    await importContacts(withoutIds, directory);
    expect(await importContacts(withIds, directory)).toEqual({ good: 1, added: 0, updated: 1, bad: [] });
    expect(await importContacts(withoutIds, directory)).toEqual({ good: 1, added: 0, updated: 1, bad: [] });
    expect(await directory.count()).toBe(2);
  });

  it('reads a large upload in pieces without breaking a character at their edges', async () => {
    // The parser is fed 16 KB at a time: a name whose character lies across the first edge, as a
    // string (an emoji is two UTF-16 units) and as bytes (a Hebrew letter is two in UTF-8).
    const EDGE = 16 * 1024;
    const across = (size: (text: string) => number, char: string, phone: string) => {
      let head = 'name,company,phone\n';
      for (let i = 0; size(head) < EDGE - 200; i++) head += `Filler ${i},A,050${1_000_000 + i}\n`;
      const name = `Name ${'x'.repeat(EDGE - 1 - size(`${head}Name `))}${char} end`;
      return { text: `${head}${name},B,${phone}\n`, name, phone };
    };
    const asString = across((t) => t.length, '😀', '0509999998');
    const asBytes = across((t) => Buffer.byteLength(t), 'א', '0509999999');
    expect(asString.text.charCodeAt(EDGE - 1)).toBe('😀'.charCodeAt(0));
    expect(Buffer.from(asBytes.text).subarray(EDGE - 1, EDGE + 1).toString()).toBe('א');
    for (const [input, { name, phone }] of [[asString.text, asString], [Buffer.from(asBytes.text), asBytes]] as const) {
      await importContacts(Readable.from([input]), directory);
      expect((await directory.lookup(parsePhone(phone, 'IL'))).contacts.map((c) => c.name)).toEqual([name]);
    }
  });

  it('refuses a file whose header lacks a required column', async () => {
    const file = csv('e.csv', 'name,phone\nDana,0722776772\n');
    await expect(importContacts(file, directory)).rejects.toThrow(ImportError);
    await expect(importContacts(file, directory)).rejects.toThrow('the header row has no company column');
  });
});
