import { z } from 'zod';
import type { Sql } from '../platform/sql';

/** A line is the number a caller dialled (Voicenter's `did`): digits as Voicenter sends them. */
export const lineNumberSchema = z.string().trim().regex(/^\+?\d{3,20}$/, 'a line is the number dialled: 3 to 20 digits');
export const lineNameSchema = z.string().trim().min(1, 'a line needs a name').max(60, 'a line name is at most 60 characters');

const PREFIX = 'line-name:';
/** Compared by their digits: 03-1234567 and 031234567 are one line. */
const key = (did: string) => `${PREFIX}${did.replace(/\D/g, '')}`;

/**
 * Names a supervisor gives the lines calls come in on ("Sales", "Support"), shown to agents in
 * the notification. Kept in the database's `relay_settings`, read into memory (every call asks).
 */
export class LineNames {
  private constructor(
    private readonly sql: Sql,
    private readonly names: Map<string, string>,
  ) {}

  static async load(sql: Sql): Promise<LineNames> {
    const rows = await sql.all<{ key: string; value: string }>('SELECT key, value FROM relay_settings WHERE key LIKE ?', [`${PREFIX}%`]);
    return new LineNames(sql, new Map(rows.map((r) => [r.key, r.value])));
  }

  /** The line's name; '' when it has none. */
  name = (did: string): string => this.names.get(key(did)) ?? '';

  list(): { line: string; name: string }[] {
    return [...this.names].map(([k, name]) => ({ line: k.slice(PREFIX.length), name })).sort((a, b) => a.line.localeCompare(b.line));
  }

  async set(did: string, name: string): Promise<void> {
    await this.sql.run('INSERT INTO relay_settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value', [key(did), name]);
    this.names.set(key(did), name);
  }

  /** Returns whether the line had a name. */
  async remove(did: string): Promise<boolean> {
    await this.sql.run('DELETE FROM relay_settings WHERE key = ?', [key(did)]);
    return this.names.delete(key(did));
  }
}
