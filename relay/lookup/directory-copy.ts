import type { CountryCode } from 'libphonenumber-js';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { openMemoryDatabase, type DB } from '../platform/db';
import type { Logger } from '../platform/log';
import { SqliteSql, type Sql } from '../platform/sql';
import type { Phone } from '../../shared/phone';
import { Directory, DIRECTORY_VERSION, type DirectoryMatch } from './directory';

/** Contacts read from PostgreSQL per query, and written to the copy per transaction (then the event loop gets a turn). */
const PAGE = 500;
/** The copy holds at most this many contacts, the newest: ~200 MB of memory at most. */
export const COPY_MAX_CONTACTS = 500_000;

interface ContactRow {
  id: number;
  external_id: string | null;
  name: string;
  company: string;
  url: string;
  updated_at: number;
}

interface PhoneRow {
  contact_id: number;
  raw: string;
  e164: string | null;
  suffix: string;
}

export interface CopyStatus {
  contacts: number;
  /** When the copy was last seen to match PostgreSQL (ms); null before the first copy. */
  syncedAt: number | null;
  /** More contacts than the copy keeps: the oldest are not in it. */
  truncated: boolean;
}

/**
 * The relay's own copy of the directory kept in PostgreSQL, in memory, so that a known caller is
 * still named while PostgreSQL is away or slow. PostgreSQL stays the truth: the copy is read only
 * when it cannot answer in time. Every change to the directory changes its version (a row of
 * relay_settings, in the change's own transaction); `sync` reads that version and copies the
 * whole directory again when it moved, a page at a time, into a new database it then swaps in.
 */
export class DirectoryCopy {
  private current: { db: DB; directory: Directory; contacts: number; truncated: boolean } | null = null;
  private version: string | null = null;
  private syncedAt: number | null = null;
  private syncing: Promise<void> | null = null;

  constructor(
    private readonly source: Sql,
    private readonly country: CountryCode,
    private readonly suffixDigits: number,
    private readonly options: { log: Logger; maxContacts?: number; now?: () => number },
  ) {}

  /** The copy's answer; null when there is no copy yet. */
  lookup(phone: Phone): DirectoryMatch | null {
    if (!this.current) return null;
    return this.current.directory.answerNow(phone);
  }

  status(): CopyStatus {
    return { contacts: this.current?.contacts ?? 0, syncedAt: this.syncedAt, truncated: this.current?.truncated ?? false };
  }

  /** Brings the copy up to PostgreSQL's directory (one sync at a time; a second call shares it). */
  sync(): Promise<void> {
    this.syncing ??= this.syncOnce().finally(() => (this.syncing = null));
    return this.syncing;
  }

  close(): void {
    this.current?.db.close();
    this.current = null;
  }

  private async syncOnce(): Promise<void> {
    const now = this.options.now ?? Date.now;
    const started = now();
    const version = (await this.source.get<{ value: string }>('SELECT value FROM relay_settings WHERE key = ?', [DIRECTORY_VERSION]))?.value ?? '';
    if (this.current && version === this.version) {
      this.syncedAt = started;
      return;
    }
    const fresh = await this.copyAll();
    const old = this.current;
    this.current = fresh;
    this.version = version;
    this.syncedAt = started;
    old?.db.close();
    this.options.log[old ? 'debug' : 'info']({ contacts: fresh.contacts, truncated: fresh.truncated, ms: now() - started }, 'directory copied from PostgreSQL');
  }

  /** Every contact, newest first, up to the copy's limit, into a new database in memory. */
  private async copyAll(): Promise<NonNullable<DirectoryCopy['current']>> {
    const max = this.options.maxContacts ?? COPY_MAX_CONTACTS;
    const db = openMemoryDatabase();
    try {
      const addContact = db.prepare('INSERT INTO contacts (id, external_id, name, company, url, updated_at) VALUES (?, ?, ?, ?, ?, ?)');
      const addPhone = db.prepare('INSERT OR IGNORE INTO contact_phones (contact_id, raw, e164, suffix) VALUES (?, ?, ?, ?)');
      const write = db.transaction((contacts: ContactRow[], phones: PhoneRow[]) => {
        for (const c of contacts) addContact.run(c.id, c.external_id, c.name, c.company, c.url, c.updated_at);
        for (const p of phones) addPhone.run(p.contact_id, p.raw, p.e164, p.suffix);
      });
      let below = Number.MAX_SAFE_INTEGER;
      let contacts = 0;
      let truncated = false;
      for (;;) {
        const page = await this.source.all<ContactRow>(
          'SELECT id, external_id, name, company, url, updated_at FROM contacts WHERE id < ? ORDER BY id DESC LIMIT ?',
          [below, Math.min(PAGE, max - contacts + 1)],
        );
        if (contacts + page.length > max) {
          page.length = max - contacts;
          truncated = true;
        }
        if (page.length === 0) break;
        const lowest = page[page.length - 1]!.id;
        const phones = await this.source.all<PhoneRow>('SELECT contact_id, raw, e164, suffix FROM contact_phones WHERE contact_id >= ? AND contact_id < ?', [lowest, below]);
        write(page, phones);
        contacts += page.length;
        below = lowest;
        if (truncated) break;
        await nextTurn();
      }
      return { db, directory: new Directory(new SqliteSql(db), this.country, this.suffixDigits), contacts, truncated };
    } catch (err) {
      db.close();
      throw err;
    }
  }
}

/** The longest a lookup waits for PostgreSQL before the relay's copy answers (a quarter of the budget, if less). */
const COPY_AFTER_MAX_MS = 250;

/**
 * PostgreSQL: the directory and the lookup cache each answered from the relay's own copy when the
 * database has not answered in time, so a known caller is named whatever happens to it.
 */
export function readCopies(
  sql: Sql,
  parts: { directory: Directory; cache: { useCopy(afterMs: number, doubtful: () => boolean): void } },
  options: { country: CountryCode; suffixDigits: number; budgetMs: number; log: Logger; doubtful: () => boolean },
): DirectoryCopy {
  const copy = new DirectoryCopy(sql, options.country, options.suffixDigits, { log: options.log });
  const afterMs = Math.min(COPY_AFTER_MAX_MS, Math.floor(options.budgetMs / 4));
  parts.directory.useCopy(copy, afterMs, options.doubtful);
  parts.cache.useCopy(afterMs, options.doubtful);
  return copy;
}
