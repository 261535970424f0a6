import type { CountryCode } from 'libphonenumber-js';
import type { DirectoryEntry } from '../../shared/console';
import type { DB } from '../platform/db';
import { parsePhone, phoneSuffix, type Phone } from '../../shared/phone';

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

/** The built-in caller directory in SQLite: contacts with one or more numbers. */
export class Directory {
  private readonly find;
  private readonly byExternalId;
  private readonly byNameAndPhone;
  private readonly insertContact;
  private readonly updateContact;
  private readonly clearPhones;
  private readonly insertPhone;

  constructor(
    private readonly db: DB,
    private readonly country: CountryCode,
    private readonly suffixDigits: number,
  ) {
    // One indexed query: every suffix match, exact E.164 matches first.
    this.find = db.prepare<{ suffix: string; e164: string | null }, Row>(`
      SELECT c.id, c.external_id, c.name, c.company, c.url, MAX(p.e164 IS @e164) AS exact
      FROM contact_phones p JOIN contacts c ON c.id = p.contact_id
      WHERE p.suffix = @suffix
      GROUP BY c.id
      ORDER BY exact DESC, c.updated_at DESC
      LIMIT 50`);
    this.byExternalId = db.prepare<[string], { id: number }>('SELECT id FROM contacts WHERE external_id = ?');
    this.byNameAndPhone = db.prepare<[string, string], { id: number }>(
      `SELECT c.id FROM contacts c JOIN contact_phones p ON p.contact_id = c.id
       WHERE c.external_id IS NULL AND c.name = ? AND p.suffix = ? LIMIT 1`,
    );
    this.insertContact = db.prepare(
      'INSERT INTO contacts (external_id, name, company, url, updated_at) VALUES (@id, @name, @company, @url, @now)',
    );
    this.updateContact = db.prepare(
      'UPDATE contacts SET name = @name, company = @company, url = @url, updated_at = @now WHERE id = @rowid',
    );
    this.clearPhones = db.prepare('DELETE FROM contact_phones WHERE contact_id = ?');
    this.insertPhone = db.prepare(
      'INSERT OR IGNORE INTO contact_phones (contact_id, raw, e164, suffix) VALUES (?, ?, ?, ?)',
    );
  }

  /** Finds who owns a number: exact E.164 first, else the last N digits. */
  lookup(phone: Phone): DirectoryMatch {
    const suffix = phoneSuffix(phone, this.suffixDigits);
    if (phone.withheld || suffix.length < this.suffixDigits) return { contacts: [], how: 'none' };
    const rows = this.find.all({ suffix, e164: phone.e164 });
    const exact = rows.filter((r) => r.exact === 1);
    const chosen = exact.length > 0 ? exact : rows;
    return {
      contacts: chosen.map((r) => this.toContact(r)),
      how: chosen.length === 0 ? 'none' : exact.length > 0 ? 'exact' : 'suffix',
    };
  }

  /**
   * Adds or updates a contact: by its `id` when it has one, else by name and first number,
   * so importing the same file twice updates instead of duplicating.
   */
  upsert(contact: Contact, now = Date.now()): 'added' | 'updated' {
    const phones = this.parsePhones(contact.phones);
    const first = phones[0];
    const existing = contact.id
      ? this.byExternalId.get(contact.id)
      : first
        ? this.byNameAndPhone.get(contact.name, phoneSuffix(first, this.suffixDigits))
        : undefined;
    if (existing) this.write(existing.id, contact, phones, now);
    else {
      const rowid = Number(this.insertContact.run({ name: contact.name, company: contact.company, url: contact.url, now, id: contact.id || null }).lastInsertRowid);
      this.writePhones(rowid, phones);
    }
    return existing ? 'updated' : 'added';
  }

  /** Contacts whose name or company contains `text`, or whose number contains its digits; by name. */
  search(text: string, limit = 100): DirectoryEntry[] {
    const q = text.trim();
    const digits = q.replace(/\D/g, '');
    const like = `%${q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    return this.db
      .prepare<Record<string, string | number>, EntryRow>(
        `SELECT c.id AS key, c.external_id, c.name, c.company, c.url,
                (SELECT group_concat(p.raw, char(31)) FROM contact_phones p WHERE p.contact_id = c.id) AS phones
         FROM contacts c
         WHERE @q = '' OR c.name LIKE @like ESCAPE '\\' OR c.company LIKE @like ESCAPE '\\'
            OR (length(@digits) >= 3 AND c.id IN (SELECT contact_id FROM contact_phones
                WHERE coalesce(e164, '') LIKE '%' || @digits || '%' OR replace(replace(raw, '-', ''), ' ', '') LIKE '%' || @digits || '%'))
         ORDER BY c.name, c.id
         LIMIT @limit`,
      )
      .all({ q, like, digits, limit })
      .map(toEntry);
  }

  get(key: number): DirectoryEntry | undefined {
    const row = this.db
      .prepare<[number], EntryRow>(
        `SELECT c.id AS key, c.external_id, c.name, c.company, c.url,
                (SELECT group_concat(p.raw, char(31)) FROM contact_phones p WHERE p.contact_id = c.id) AS phones
         FROM contacts c WHERE c.id = ?`,
      )
      .get(key);
    return row ? toEntry(row) : undefined;
  }

  /** Changes a contact (by its key); false when there is no such contact. Its own id stays. */
  update(key: number, contact: Omit<Contact, 'id'>, now = Date.now()): boolean {
    return this.batch(() => {
      if (!this.get(key)) return false;
      this.write(key, contact, this.parsePhones(contact.phones), now);
      return true;
    });
  }

  private parsePhones(phones: string[]): Phone[] {
    return phones.map((p) => parsePhone(p, this.country)).filter((p) => !p.withheld && p.digits !== '');
  }

  private write(rowid: number, contact: Omit<Contact, 'id'>, phones: Phone[], now: number): void {
    this.updateContact.run({ name: contact.name, company: contact.company, url: contact.url, now, rowid });
    this.clearPhones.run(rowid);
    this.writePhones(rowid, phones);
  }

  private writePhones(rowid: number, phones: Phone[]): void {
    for (const p of phones) this.insertPhone.run(rowid, p.raw, p.e164, phoneSuffix(p, this.suffixDigits));
  }

  /** Runs `fn` in one transaction (an import is all-or-nothing per batch and far faster). */
  batch<T>(fn: () => T): T {
    return this.db.transaction(fn)();
  }

  count(): number {
    return (this.db.prepare('SELECT COUNT(*) AS n FROM contacts').get() as { n: number }).n;
  }

  private toContact(r: Row): MatchedContact {
    return { id: r.external_id ?? '', name: r.name, company: r.company, url: r.url };
  }
}
