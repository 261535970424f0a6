import type { ContactChoiceView } from '../../shared/console';
import type { Choice, Identity } from '../../shared/messages';
import type { Phone } from '../../shared/phone';
import { boundedCache } from '../platform/bounded-cache';
import { OtherWriters } from '../platform/other-writers';
import { SqliteSql, type Sql } from '../platform/sql';

/** The number is E.164 (or its digits when it has no E.164 form). */
export type ContactChoice = ContactChoiceView;

const PREFIX = 'contact-choice:';
const READ = 'SELECT value FROM relay_settings WHERE key = ?';
export const choiceKey = (phone: Phone) => phone.e164 ?? phone.digits;

/** Numbers whose choice (or absence of one) is kept in memory on the embedded file. */
const KEPT = 5_000;

/**
 * The contact an agent chose when a number matched several, remembered for the whole company:
 * the next call from that number names it ("chosen by Dana"), until a supervisor clears it in the
 * console or the source no longer returns that record. Kept in `relay_settings` (one row per
 * number), so every relay of a cluster reads the same; on the embedded file a read is settled within the turn.
 */
export class ContactChoices {
  private readonly readNow: ((key: string) => { value: string } | undefined) | null;
  /** The embedded file's answers by number (every found caller is checked: 3 % of a request's CPU, bench/RESULTS.md). */
  private readonly kept = boundedCache<string, { choice: ContactChoice | null }>(KEPT);
  private readonly otherWriters: OtherWriters | null;

  constructor(private readonly sql: Sql) {
    const read = sql instanceof SqliteSql ? sql.db.prepare<[string], { value: string }>(READ) : null;
    this.readNow = read ? (key) => read.get(key) : null;
    this.otherWriters = sql instanceof SqliteSql ? new OtherWriters(sql.db) : null;
  }

  /** On the embedded file settled within the turn (kept in memory, else a prepared read). */
  async get(number: string): Promise<ContactChoice | null> {
    const parse = (row: { value: string } | undefined) => (row ? (Object.freeze(JSON.parse(row.value)) as ContactChoice) : null);
    if (this.readNow) {
      if (this.otherWriters!.wrote()) this.kept.clear();
      let kept = this.kept.get(number);
      if (!kept) this.kept.set(number, (kept = { choice: parse(this.readNow(PREFIX + number)) }));
      return kept.choice;
    }
    return this.sql.get<{ value: string }>(READ, [PREFIX + number]).then(parse);
  }

  async set(choice: ContactChoice): Promise<void> {
    try {
      await this.sql.run('INSERT INTO relay_settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value', [PREFIX + choice.number, JSON.stringify(choice)]);
    } finally {
      this.kept.delete(choice.number);
    }
  }

  /** Returns whether there was one. */
  async remove(number: string): Promise<boolean> {
    try {
      return (await this.sql.run('DELETE FROM relay_settings WHERE key = ?', [PREFIX + number])) > 0;
    } finally {
      this.kept.delete(number);
    }
  }

  async list(): Promise<ContactChoice[]> {
    const rows = await this.sql.all<{ value: string }>('SELECT value FROM relay_settings WHERE key LIKE ? ORDER BY key', [`${PREFIX}%`]);
    return rows.map((r) => JSON.parse(r.value) as ContactChoice);
  }
}

/**
 * The identity with the remembered choice applied: when the number matched several and the chosen
 * record is among them, it is the match ("found", chosen by …), the others still offered. A choice
 * whose record the source no longer returns is `stale` (the caller removes it).
 */
export function withChoice(identity: Identity, choice: ContactChoice | null): { identity: Identity; stale: boolean } {
  if (!choice || identity.source !== choice.source) return { identity, stale: false };
  const chosen = identity.choices?.find((c: Choice) => c.id === choice.id);
  // The source answered without that record (one other contact, or several without it).
  if (!chosen) return { identity, stale: identity.id !== choice.id };
  if (identity.status !== 'multiple') return { identity, stale: false };
  return { identity: asChosen(identity, chosen, choice.chosenBy), stale: false };
}

/** The caller named as the contact an agent chose among the identity's matches (the others still offered). */
export function asChosen(identity: Identity, chosen: Omit<Choice, 'source'>, chosenBy: string): Identity {
  return { ...identity, status: 'found', name: chosen.name, company: chosen.company, url: chosen.url, id: chosen.id, how: `chosen by ${chosenBy}`, chosenBy };
}
