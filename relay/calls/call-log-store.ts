import { TIME_WINDOW, type CallPhase } from '../../shared/call-event';
import type { CallView, Identity } from '../../shared/messages';
import type { DB } from '../platform/db';
import { GroupCommit } from '../platform/group-commit';
import type { Sql } from '../platform/sql';
import type { Call, LoggedEvent, StationEvent } from './call';

/** A call as the log keeps it (one row per ivrid). */
export interface CallRow {
  ivrid: string;
  direction: CallView['direction'];
  phone_raw: string;
  e164: string | null;
  phone_local: string;
  caller_name: string;
  did: string;
  started_at: number;
  answered_at: number | null;
  answered_by: string | null;
  ended_at: number | null;
  cause: string;
  identity: string | null;
  updated_at: number;
}

/** One request as the log keeps it (one row per request). */
export interface EventRow {
  exten_user: string;
  phase: CallPhase;
  status: string;
  cause: string;
  format: string;
  received_at: number;
}

/** What a call's views need of its event rows (read back). */
type StationEventRow = Pick<EventRow, 'exten_user' | 'phase' | 'cause' | 'received_at'>;

/**
 * Each identity's JSON, made once: a call's row is written on every request, with the same
 * identity value each time (identities are values, never changed in place).
 */
const identityJson = new WeakMap<Identity, string>();

/** The call's row: what the log's columns hold of it (both engines, postgres-call-log.ts too). */
export function callRow(call: Call): CallRow {
  let identity: string | null = null;
  if (call.identity) {
    identity = identityJson.get(call.identity) ?? JSON.stringify(call.identity);
    identityJson.set(call.identity, identity);
  }
  return {
    ivrid: call.ivrid,
    direction: call.direction,
    phone_raw: call.phone?.raw ?? '',
    e164: call.phone?.e164 ?? null,
    phone_local: call.phone?.local ?? '',
    caller_name: call.callerName,
    did: call.did,
    started_at: call.startedAt,
    answered_at: call.answered?.at ?? null,
    answered_by: call.answered?.by ?? null,
    ended_at: call.ended?.at ?? null,
    cause: call.cause,
    identity,
    updated_at: call.updatedAt,
  };
}

export function eventRow(event: LoggedEvent): EventRow {
  return { exten_user: event.station, phase: event.phase, status: event.status, cause: event.cause, format: event.origin, received_at: event.at };
}

/**
 * A call read back from its rows. A row that says who answered but not when (never written so:
 * the answer's time comes with it) is read as not answered; an identity that is not JSON as none
 * (looked up again).
 */
function callOf(row: CallRow, events: StationEventRow[]): Call {
  return {
    ivrid: row.ivrid,
    direction: row.direction,
    phone: row.phone_raw === '' ? null : { raw: row.phone_raw, e164: row.e164, local: row.phone_local },
    callerName: row.caller_name,
    did: row.did,
    startedAt: row.started_at,
    ...(row.answered_at !== null && { answered: { at: row.answered_at, by: row.answered_by } }),
    ...(row.ended_at !== null && { ended: { at: row.ended_at } }),
    cause: row.cause,
    identity: identityOf(row.identity),
    updatedAt: row.updated_at,
    events: events.map((e): StationEvent => ({ station: e.exten_user, phase: e.phase, cause: e.cause, at: e.received_at })),
  };
}

function identityOf(json: string | null): Identity | null {
  if (!json) return null;
  try {
    const value: unknown = JSON.parse(json);
    return typeof value === 'object' && value !== null ? (value as Identity) : null;
  } catch {
    return null;
  }
}

const CALL_COLUMNS = [
  'ivrid', 'direction', 'phone_raw', 'e164', 'phone_local', 'caller_name', 'did', 'started_at',
  'answered_at', 'answered_by', 'ended_at', 'cause', 'identity', 'updated_at',
] as const;

/**
 * A call's row is written whole each time, and merged with what the log has: what one relay (or
 * one request) did not know never erases what another wrote — an answer, an end, a caller found.
 */
const MERGE = `ON CONFLICT (ivrid) DO UPDATE SET
  direction = CASE WHEN excluded.direction = 'unknown' THEN calls.direction ELSE excluded.direction END,
  phone_raw = CASE WHEN excluded.phone_raw = '' THEN calls.phone_raw ELSE excluded.phone_raw END,
  e164 = coalesce(excluded.e164, calls.e164),
  phone_local = CASE WHEN excluded.phone_raw = '' THEN calls.phone_local ELSE excluded.phone_local END,
  caller_name = CASE WHEN excluded.caller_name = '' THEN calls.caller_name ELSE excluded.caller_name END,
  did = CASE WHEN excluded.did = '' THEN calls.did ELSE excluded.did END,
  started_at = CASE WHEN excluded.started_at < calls.started_at THEN excluded.started_at ELSE calls.started_at END,
  answered_at = coalesce(calls.answered_at, excluded.answered_at),
  answered_by = coalesce(calls.answered_by, excluded.answered_by),
  ended_at = coalesce(calls.ended_at, excluded.ended_at),
  cause = CASE WHEN excluded.cause = '' THEN calls.cause ELSE excluded.cause END,
  identity = coalesce(excluded.identity, calls.identity),
  updated_at = excluded.updated_at`;

/**
 * The calls past the retention: started before `before`, or dated ahead of now (times kept before
 * Voicenter's were checked, TIME_WINDOW) and last written before `before` — such a row would
 * otherwise never go. Both halves read the start's index.
 */
export const PRUNE = 'DELETE FROM calls WHERE started_at < ? OR (started_at > ? AND updated_at < ?)';
export const pruneParams = (before: number, now = Date.now()) => [before, now + TIME_WINDOW.afterMs, before];

const EVENT_COLUMNS = ['ivrid', 'exten_user', 'phase', 'status', 'cause', 'format', 'received_at'] as const;

const placeholders = (rows: number, columns: number) => Array.from({ length: rows }, () => `(${Array(columns).fill('?').join(', ')})`).join(', ');

/** The writes of many requests as two statements: the calls (the newest row of each) merged in, their events added. */
export async function writeBatch(sql: Sql, entries: { call: CallRow; events: EventRow[] }[]): Promise<void> {
  const calls = new Map(entries.map((e) => [e.call.ivrid, e.call]));
  await sql.run(
    `INSERT INTO calls (${CALL_COLUMNS.join(', ')}) VALUES ${placeholders(calls.size, CALL_COLUMNS.length)} ${MERGE}`,
    [...calls.values()].flatMap((c) => CALL_COLUMNS.map((k) => c[k])),
  );
  const events = entries.flatMap((e) => e.events.map((ev) => ({ ...ev, ivrid: e.call.ivrid })));
  if (events.length === 0) return;
  await sql.run(
    `INSERT INTO call_events (${EVENT_COLUMNS.join(', ')}) VALUES ${placeholders(events.length, EVENT_COLUMNS.length)}`,
    events.flatMap((ev) => EVENT_COLUMNS.map((k) => ev[k])),
  );
}

/** Where the call log is written, and what can be read back from it at once. */
export interface CallLogStore {
  /**
   * Queues the call as it is now (its row) and its new events. Settles once they are in the log —
   * or, when the database cannot be reached, once they are kept to be written when it is back.
   */
  write(call: Call, events: LoggedEvent[]): Promise<void>;
  /** Writes what is queued now. */
  flush(): Promise<void>;
  /** Writes waiting to be written (the metrics' gauge). */
  pending(): number;
  /** A call read back from the log at once; null where reads cannot be immediate (PostgreSQL). */
  readonly readNow: ((ivrid: string) => Call | undefined) | null;
  /** The calls a station took part in since a time, oldest first, at once; null where not immediate. */
  readonly recentNow: ((station: string, since: number) => string[]) | null;
  /** The calls started since a time, at once (what the log holds that a relay just started has not seen); null where not immediate. */
  readonly startedSinceNow: ((since: number) => string[]) | null;
  /** Deletes calls past the retention (`before`: PRUNE), with their events. */
  prune(before: number): Promise<number>;
}

/** The embedded file: group commits (every write of one event-loop turn in one transaction), reads at once. */
export class SqliteCallLog implements CallLogStore {
  private readonly commits: GroupCommit;
  private readonly saveCall;
  private readonly insertEvent;
  /**
   * What the next commit writes: each call's newest row once (a request writes its call, then its
   * caller found at once writes it again: one row, not two — a call-log write was a sixth of a
   * busy relay's CPU, bench/RESULTS.md, issue 16), and every event in order.
   */
  private rows = new Map<string, CallRow>();
  private events: [string, LoggedEvent][] = [];
  private readonly writePending = () => {
    const rows = this.rows;
    const events = this.events;
    if (rows.size === 0 && events.length === 0) return;
    this.rows = new Map();
    this.events = [];
    for (const row of rows.values()) this.saveCall.run(row);
    for (const [ivrid, e] of events) this.insertEvent.run(ivrid, e.station, e.phase, e.status, e.cause, e.origin, e.at);
  };
  readonly readNow;
  readonly recentNow;
  readonly startedSinceNow;

  constructor(private readonly db: DB) {
    this.commits = new GroupCommit(db);
    this.saveCall = db.prepare(`INSERT INTO calls (${CALL_COLUMNS.join(', ')}) VALUES (${CALL_COLUMNS.map((k) => `@${k}`).join(', ')}) ${MERGE}`);
    this.insertEvent = db.prepare(`INSERT INTO call_events (${EVENT_COLUMNS.join(', ')}) VALUES (${EVENT_COLUMNS.map(() => '?').join(', ')})`);
    const getCall = db.prepare<[string], CallRow>('SELECT * FROM calls WHERE ivrid = ?');
    const eventsOf = db.prepare<[string], StationEventRow>(
      "SELECT exten_user, phase, cause, received_at FROM call_events WHERE ivrid = ? AND phase != 'unknown' ORDER BY id",
    );
    // No flush first: a call whose writes are still queued is in the tracker's memory, never read back.
    // (Flushing here made every new call commit alone, undoing the group commits: bench/RESULTS.md, issue 12.)
    this.readNow = (ivrid: string) => {
      const row = getCall.get(ivrid);
      return row ? callOf(row, eventsOf.all(ivrid)) : undefined;
    };
    const recent = db.prepare<[string, number], { ivrid: string }>(
      'SELECT ivrid FROM call_events WHERE exten_user = ? AND received_at >= ? GROUP BY ivrid ORDER BY MIN(id)',
    );
    this.recentNow = (station: string, since: number) => {
      this.commits.flush();
      return recent.all(station, since).map((r) => r.ivrid);
    };
    const started = db.prepare<[number], string>('SELECT ivrid FROM calls WHERE started_at >= ?').pluck();
    this.startedSinceNow = (since: number) => started.all(since);
  }

  write(call: Call, events: LoggedEvent[]): Promise<void> {
    this.rows.delete(call.ivrid);
    this.rows.set(call.ivrid, callRow(call));
    for (const e of events) this.events.push([call.ivrid, e]);
    // (The group's first write writes everything pending; the others find nothing left.)
    return this.commits.write(this.writePending);
  }

  flush(): Promise<void> {
    this.commits.flush();
    return Promise.resolve();
  }

  pending(): number {
    return 0;
  }

  prune(before: number): Promise<number> {
    this.commits.flush();
    return Promise.resolve(this.db.prepare(PRUNE).run(...pruneParams(before)).changes);
  }
}
