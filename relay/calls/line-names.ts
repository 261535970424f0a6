import type { CountryCode } from 'libphonenumber-js';
import { z } from 'zod';
import type { NamedLine } from '../../shared/console';
import { parsePhone } from '../../shared/phone';
import { boundedCache } from '../platform/bounded-cache';
import type { Sql } from '../platform/sql';

/**
 * A line is the number a caller dialled (Voicenter's `did`), typed in any form people write
 * numbers in: 03-765-4321, +972 3 765 4321, (03) 7654321, 97237654321.
 */
export const lineNumberSchema = z
  .string()
  .trim()
  .regex(/^\+?[\d\s().-]+$/, 'a line is the number dialled, like 03-765-4321 or +972 3 765 4321')
  .refine((s) => /^\d{3,20}$/.test(s.replace(/\D/g, '')), 'a line is the number dialled: 3 to 20 digits');
export const lineNameSchema = z.string().trim().min(1, 'a line needs a name').max(60, 'a line name is at most 60 characters');

const PREFIX = 'line-name:';
/** Lines a relay hears of are few; their canonical forms are kept, not worked out on every call. */
const FORMS_KEPT = 1_000;

/**
 * Names a supervisor gives the lines calls come in on ("Sales", "Support"), shown to agents in
 * the notification. Kept in the database's `relay_settings` under the line's one stored form (so
 * 03-7654321, 037654321 and 97237654321 are one line), read into memory (every call asks).
 */
export class LineNames {
  private readonly forms = boundedCache<string, string>(FORMS_KEPT);

  private constructor(
    private readonly sql: Sql,
    private readonly country: CountryCode,
    private readonly names: Map<string, string>,
  ) {}

  /** Reads the names; a name kept under an older form (the digits alone) is moved to the stored form once. */
  static async load(sql: Sql, country: CountryCode = 'IL'): Promise<LineNames> {
    const rows = await sql.all<{ key: string; value: string }>('SELECT key, value FROM relay_settings WHERE key LIKE ?', [`${PREFIX}%`]);
    const lines = new LineNames(sql, country, new Map());
    for (const r of rows) {
      const line = r.key.slice(PREFIX.length);
      const form = lines.form(line);
      if (form !== line) {
        await sql.transaction(async (tx) => {
          await tx.run('INSERT INTO relay_settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO NOTHING', [PREFIX + form, r.value]);
          await tx.run('DELETE FROM relay_settings WHERE key = ?', [r.key]);
        });
      }
      if (!lines.names.has(form) || form === line) lines.names.set(form, r.value);
    }
    return lines;
  }

  /** The stored form of a line however it was written; '' for one without digits. */
  form(did: string): string {
    let form = this.forms.get(did);
    if (form === undefined) {
      const phone = parsePhone(did, this.country);
      form = phone.e164 ?? phone.digits;
      this.forms.set(did, form);
    }
    return form;
  }

  /** The line's name; '' when it has none. */
  name = (did: string): string => (this.names.size === 0 ? '' : (this.names.get(this.form(did)) ?? ''));

  list(): NamedLine[] {
    return [...this.names].map(([line, name]) => this.named(line, name)).sort((a, b) => a.line.localeCompare(b.line));
  }

  private named(line: string, name: string): NamedLine {
    return { line, local: parsePhone(line, this.country).local || line, name };
  }

  /** Names the line; returns it in its stored form. */
  async set(did: string, name: string): Promise<NamedLine> {
    const line = this.form(did);
    await this.sql.run('INSERT INTO relay_settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value', [PREFIX + line, name]);
    this.names.set(line, name);
    return this.named(line, name);
  }

  /** Returns whether the line had a name. */
  async remove(did: string): Promise<boolean> {
    const line = this.form(did);
    await this.sql.run('DELETE FROM relay_settings WHERE key = ?', [PREFIX + line]);
    return this.names.delete(line);
  }
}
