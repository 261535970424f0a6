import { randomUUID } from 'node:crypto';
import type { CountryCode } from 'libphonenumber-js';
import type { DirectoryEntry } from '../../shared/console';
import { boundedCache } from '../platform/bounded-cache';
import { OtherWriters } from '../platform/other-writers';
import { containsText, SqliteSql, type Sql } from '../platform/sql';
import { parsePhone, phoneSuffix, type Phone } from '../../shared/phone';
import { readOrCopy, type CopyBehind } from './deadline';

export interface Contact {
  /** The contact's id in the customer's own system (CSV `id`), "" when none was given. */
  id: string;
  name: string;
  company: string;
  url: string;
  phones: string[];
}

/** A contact as a lookup returns it. */
export type MatchedContact = Omit<Contact, 'phones'>;

export interface DirectoryMatch {
  contacts: MatchedContact[];
  /** exact: the E.164 number matched; suffix: only the last N digits did. */
  how: 'exact' | 'suffix' | 'none';
  /** Answered from the relay's own copy (PostgreSQL did not answer in time). */
  fromCopy?: true;
}

/** The relay_settings row every change to the directory gives a new value (relays' copies follow it). */
export const DIRECTORY_VERSION = 'directory-version';

/** Where a directory on PostgreSQL turns when the database does not answer in time. */
export interface DirectoryFallback {
  lookup(phone: Phone): DirectoryMatch | null;
}

interface Row {
  id: number;
  external_id: string | null;
  name: string;
  company: string;
  url: string;
  exact: number;
}

interface EntryRow {
  key: number;
  external_id: string | null;
  name: string;
  company: string;
  url: string;
  phones: string | null;
}

const toEntry = (r: EntryRow): DirectoryEntry => ({
  key: r.key,
  id: r.external_id ?? '',
  name: r.name,
  company: r.company,
  url: r.url,
  phones: r.phones ? r.phones.split('\u001f') : [],
});

/** Every suffix match of a number, exact E.164 matches first; the same SQL on both engines. */
const FIND = `
  SELECT c.id, c.external_id, c.name, c.company, c.url, MAX(CASE WHEN p.e164 = ? THEN 1 ELSE 0 END) AS exact
  FROM contact_phones p JOIN contacts c ON c.id = p.contact_id
  WHERE p.suffix = ?
  GROUP BY c.id
  ORDER BY exact DESC, c.updated_at DESC
  LIMIT 50`;

/** Numbers whose answer is kept (a caller who calls again, every station of one call): ~1 MB at most. */
const ANSWERS_KEPT = 5_000;

/**
 * The built-in caller directory: contacts with one or more numbers, in the relay's database.
 * On the embedded file a lookup is settled within the turn (the caller's name is in the first
 * message to the agent); on PostgreSQL it is a query like any other.
 */
export class Directory {
  private readonly findNow: ((e164: string | null, suffix: string) => Row[]) | null;
  /**
   * The embedded file's answers by number: the query was a tenth of a busy relay's CPU (a CPU
   * profile, bench/RESULTS.md, issue 16). Cleared by every change made here, and when another
   * process (the CLI) wrote to the file.
   */
  private readonly answers = boundedCache<string, DirectoryMatch>(ANSWERS_KEPT);
  private readonly otherWriters: OtherWriters | null;
  private fallback: (CopyBehind & { copy: DirectoryFallback }) | null = null;

  constructor(
    private readonly sql: Sql,
    private readonly country: CountryCode,
    private readonly suffixDigits: number,
  ) {
    const find = sql instanceof SqliteSql ? sql.db.prepare<[string | null, string], Row>(FIND) : null;
    this.findNow = find ? (e164, suffix) => find.all(e164, suffix) : null;
    this.otherWriters = sql instanceof SqliteSql ? new OtherWriters(sql.db) : null;
  }

  /** Its lookups are settled within the turn they are asked in: on SQLite, no I/O to wait for. */
  get settlesInTurn(): boolean {
    return this.findNow !== null;
  }

  /**
   * Finds who owns a number: exact E.164 first, else the last N digits. On the embedded file the
   * promise is settled before this turn ends (no timer, no I/O): the caller's name can go in the
   * first message to the agent.
   */
  async lookup(phone: Phone): Promise<DirectoryMatch> {
    if (this.findNow) return this.answerNow(phone);
    const suffix = phoneSuffix(phone, this.suffixDigits);
    if (phone.withheld || suffix.length < this.suffixDigits) return { contacts: [], how: 'none' };
    const asked = () => this.sql.all<Row>(FIND, [phone.e164, suffix]).then((rows) => this.match(rows));
    const fallback = this.fallback;
    if (!fallback) return asked();
    return readOrCopy(asked, (why) => {
      const copied = fallback.copy.lookup(phone);
      if (!copied) throw why;
      return { ...copied, fromCopy: true as const };
    }, fallback, 'the directory');
  }

  /**
   * The answer read at once, for a directory on an SQLite database (the embedded file, the
   * relay's in-memory copy): the copy answers inside a read of PostgreSQL that gave up waiting.
   */
  answerNow(phone: Phone): DirectoryMatch {
    if (!this.findNow) throw new Error('the directory answers at once only on SQLite');
    const suffix = phoneSuffix(phone, this.suffixDigits);
    if (phone.withheld || suffix.length < this.suffixDigits) return { contacts: [], how: 'none' };
    if (this.otherWriters!.wrote()) this.answers.clear();
    const key = `${phone.e164 ?? ''}|${suffix}`;
    let answer = this.answers.get(key);
    if (!answer) this.answers.set(key, (answer = deepFreeze(this.match(this.findNow(phone.e164, suffix)))));
    return answer;
  }

  /**
   * PostgreSQL: a lookup it has not answered within `afterMs` (away, cut off, slow) is answered
   * from the relay's copy instead — at once while the database is in doubt (`doubtful`).
   */
  useCopy(copy: DirectoryFallback, afterMs: number, doubtful: () => boolean = () => false): void {
    this.fallback = { copy, afterMs, doubtful };
  }

  private match(rows: Row[]): DirectoryMatch {
    const exact = rows.filter((r) => r.exact === 1);
    const chosen = exact.length > 0 ? exact : rows;
    return {
      contacts: chosen.map((r) => ({ id: r.external_id ?? '', name: r.name, company: r.company, url: r.url })),
      how: chosen.length === 0 ? 'none' : exact.length > 0 ? 'exact' : 'suffix',
    };
  }

  /**
   * Adds or updates a contact: by its `id` when it has one, else by name and first number,
   * so importing the same file twice updates instead of duplicating.
   */
  async upsert(contact: Contact, now = Date.now(), sql = this.sql): Promise<'added' | 'updated'> {
    try {
      return await sql.transaction(async (tx) => {
        const outcome = await this.upsertOne(contact, now, tx);
        await directoryChanged(tx);
        return outcome;
      });
    } finally {
      this.answers.clear();
    }
  }

  private async upsertOne(contact: Contact, now: number, sql: Sql): Promise<'added' | 'updated'> {
    const phones = this.parsePhones(contact.phones);
    const first = phones[0];
    const existing = contact.id
      ? await sql.get<{ id: number }>('SELECT id FROM contacts WHERE external_id = ?', [contact.id])
      : first
        ? await sql.get<{ id: number }>(
            `SELECT c.id FROM contacts c JOIN contact_phones p ON p.contact_id = c.id
             WHERE c.external_id IS NULL AND c.name = ? AND p.suffix = ? LIMIT 1`,
            [contact.name, phoneSuffix(first, this.suffixDigits)],
          )
        : undefined;
    if (existing) {
      await this.write(sql, existing.id, contact, phones, now);
      return 'updated';
    }
    const added = await sql.get<{ id: number }>(
      'INSERT INTO contacts (external_id, name, company, url, updated_at) VALUES (?, ?, ?, ?, ?) RETURNING id',
      [contact.id || null, contact.name, contact.company, contact.url, now],
    );
    await this.writePhones(sql, added!.id, phones);
    return 'added';
  }

  /** Adds or updates many contacts in one transaction (an import is all-or-nothing per batch, and far faster). */
  upsertAll(contacts: Contact[], now = Date.now()): Promise<('added' | 'updated')[]> {
    return this.sql
      .transaction(async (tx) => {
        const outcomes: ('added' | 'updated')[] = [];
        for (const c of contacts) outcomes.push(await this.upsertOne(c, now, tx));
        await directoryChanged(tx);
        return outcomes;
      })
      .finally(() => this.answers.clear());
  }

  /** Contacts whose name or company contains `text`, or whose number contains its digits; by name. */
  async search(text: string, limit = 100): Promise<DirectoryEntry[]> {
    const q = text.trim();
    const digits = q.replace(/\D/g, '');
    const params: unknown[] = [];
    let where = 'TRUE';
    if (q !== '') {
      const [name, like] = containsText(this.sql, 'c.name', q);
      where = `${name} OR ${containsText(this.sql, 'c.company', q)[0]}`;
      params.push(like, like);
      if (digits.length >= 3) {
        where += ` OR c.id IN (SELECT contact_id FROM contact_phones
          WHERE coalesce(e164, '') LIKE ? OR replace(replace(raw, '-', ''), ' ', '') LIKE ?)`;
        params.push(`%${digits}%`, `%${digits}%`);
      }
    }
    const rows = await this.sql.all<EntryRow>(`${this.entries()} WHERE ${where} ORDER BY c.name, c.id LIMIT ?`, [...params, limit]);
    return rows.map(toEntry);
  }

  async get(key: number, sql = this.sql): Promise<DirectoryEntry | undefined> {
    const row = await sql.get<EntryRow>(`${this.entries()} WHERE c.id = ?`, [key]);
    return row ? toEntry(row) : undefined;
  }

  /** Changes a contact (by its key); false when there is no such contact. Its own id stays. */
  update(key: number, contact: Omit<Contact, 'id'>, now = Date.now()): Promise<boolean> {
    return this.sql
      .transaction(async (tx) => {
        if (!(await this.get(key, tx))) return false;
        await this.write(tx, key, contact, this.parsePhones(contact.phones), now);
        await directoryChanged(tx);
        return true;
      })
      .finally(() => this.answers.clear());
  }

  /**
   * Deletes a contact (by its key) and its numbers; false when there was no such contact. The
   * version moves in the same transaction, so other relays' copies drop it too.
   */
  remove(key: number): Promise<boolean> {
    return this.sql
      .transaction(async (tx) => {
        // Its numbers go with it (contact_phones: ON DELETE CASCADE).
        if ((await tx.run('DELETE FROM contacts WHERE id = ?', [key])) === 0) return false;
        await directoryChanged(tx);
        return true;
      })
      .finally(() => this.answers.clear());
  }

  async count(): Promise<number> {
    return (await this.sql.get<{ n: number }>('SELECT COUNT(*) AS n FROM contacts'))!.n;
  }

  /** Contacts with their numbers in one column (joined by U+001F, which no number holds). */
  private entries(): string {
    const phones = this.sql.engine === 'postgres' ? 'string_agg(p.raw, chr(31))' : 'group_concat(p.raw, char(31))';
    return `SELECT c.id AS key, c.external_id, c.name, c.company, c.url,
              (SELECT ${phones} FROM contact_phones p WHERE p.contact_id = c.id) AS phones
            FROM contacts c`;
  }

  private parsePhones(phones: string[]): Phone[] {
    return phones.map((p) => parsePhone(p, this.country)).filter((p) => !p.withheld && p.digits !== '');
  }

  private async write(sql: Sql, id: number, contact: Omit<Contact, 'id'>, phones: Phone[], now: number): Promise<void> {
    await sql.run('UPDATE contacts SET name = ?, company = ?, url = ?, updated_at = ? WHERE id = ?', [contact.name, contact.company, contact.url, now, id]);
    await sql.run('DELETE FROM contact_phones WHERE contact_id = ?', [id]);
    await this.writePhones(sql, id, phones);
  }

  private async writePhones(sql: Sql, id: number, phones: Phone[]): Promise<void> {
    for (const p of phones) {
      await sql.run('INSERT INTO contact_phones (contact_id, raw, e164, suffix) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING', [id, p.raw, p.e164, phoneSuffix(p, this.suffixDigits)]);
    }
  }
}

/** Gives the directory a new version, in the change's own transaction. */
async function directoryChanged(tx: Sql): Promise<void> {
  await tx.run('INSERT INTO relay_settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value', [DIRECTORY_VERSION, randomUUID()]);
}

/** A kept answer is shared by every caller that gets it: nobody may change it. */
function deepFreeze(match: DirectoryMatch): DirectoryMatch {
  for (const c of match.contacts) Object.freeze(c);
  Object.freeze(match.contacts);
  return Object.freeze(match);
}
