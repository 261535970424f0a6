import { TIME_WINDOW } from '../../shared/call-event';
import type { CallOutcome, LoggedCall } from '../../shared/console';
import type { Identity } from '../../shared/messages';
import type { CountryCode } from 'libphonenumber-js';
import { parsePhone } from '../../shared/phone';
import { containsText, type Sql } from '../platform/sql';

/** What the console's call log may be filtered by; every field optional. */
export interface CallLogFilter {
  /** A number in any form (matched on E.164), or digits anywhere in it (dashes and spaces ignored). */
  number?: string;
  /** Calls that rang at this agent: its extension user (any case), or part of its name. */
  agent?: string;
  /** Started at or after / before (ms). */
  from?: number;
  to?: number;
  missed?: boolean;
  limit?: number;
}

interface Row {
  ivrid: string;
  direction: LoggedCall['direction'];
  phone_raw: string;
  e164: string | null;
  caller_name: string;
  did: string;
  identity: string | null;
  started_at: number;
  answered_at: number | null;
  answered_by: string | null;
  ended: number | null;
  stations: string | null;
  updated_at: number;
}

/** The longest page of the call log one request returns (the CSV export included). */
export const MAX_LOG_ROWS = 10_000;

/**
 * When a call ended: its own end (a hang-up for the whole call, or for the station that answered
 * it); else, nobody having answered, the last hang-up once every station it rang at has had one —
 * a missed call ends with the last station that stopped ringing.
 */
const ENDED = `coalesce(c.ended_at, CASE WHEN c.answered_at IS NULL AND NOT EXISTS (
    SELECT 1 FROM call_events s WHERE s.ivrid = c.ivrid AND s.phase != 'unknown' AND NOT EXISTS (
      SELECT 1 FROM call_events h WHERE h.ivrid = c.ivrid AND h.exten_user = s.exten_user AND h.phase = 'hangup'))
  THEN (SELECT MAX(h.received_at) FROM call_events h WHERE h.ivrid = c.ivrid AND h.phase = 'hangup') END)`;

/**
 * Reads the call log (written by CallTracker) for the console: filtered, newest first, each
 * station with its agent's name. A call is missed when it came in, nobody answered, and it is over.
 */
export class CallLogSearch {
  constructor(
    private readonly sql: Sql,
    /** Writes still queued are written first, so a call just handled is in the answer. */
    private readonly flush: () => Promise<void>,
    private readonly options: {
      /** How a number searched for is read (RELAY_DEFAULT_COUNTRY) and how many last digits must match (RELAY_MATCH_SUFFIX_DIGITS). */
      country: CountryCode;
      suffixDigits: number;
      /** The name a supervisor gave the line a call came in on ('' when none). */
      lineName?: (did: string) => string;
    } = { country: 'IL', suffixDigits: 9 },
  ) {}

  async find(filter: CallLogFilter = {}): Promise<LoggedCall[]> {
    await this.flush();
    // (No bound unless asked: a row dated past any bound, kept before times were checked, is listed too.)
    const where = ['1 = 1'];
    const params: unknown[] = [];
    if (filter.from !== undefined) {
      where.push('c.started_at >= ?');
      params.push(filter.from);
    }
    if (filter.to !== undefined) {
      where.push('c.started_at < ?');
      params.push(filter.to);
    }
    this.byNumber(filter.number ?? '', where, params);
    const agent = filter.agent?.trim();
    if (agent) {
      // An agent's extension user, or part of its name: both are what a supervisor may type.
      const [named, like] = containsText(this.sql, 'g.name', agent);
      where.push(`EXISTS (SELECT 1 FROM call_events a WHERE a.ivrid = c.ivrid
        AND (lower(a.exten_user) = lower(?) OR a.exten_user IN (SELECT g.exten_user FROM agents g WHERE ${named})))`);
      params.push(agent, like);
    }
    if (filter.missed) where.push(`c.direction != 'outgoing' AND c.answered_at IS NULL AND ${ENDED} IS NOT NULL`);
    const stations = this.sql.engine === 'postgres' ? "string_agg(DISTINCT s.exten_user, ',')" : 'group_concat(DISTINCT s.exten_user)';
    const rows = await this.sql.all<Row>(
      `SELECT c.ivrid, c.direction, c.phone_raw, c.e164, c.caller_name, c.did, c.identity, c.started_at,
              c.answered_at, c.answered_by, ${ENDED} AS ended, c.updated_at,
              (SELECT ${stations} FROM call_events s WHERE s.ivrid = c.ivrid AND s.exten_user != '') AS stations
       FROM calls c
       WHERE ${where.join(' AND ')}
       ORDER BY c.started_at DESC, c.ivrid
       LIMIT ?`,
      [...params, Math.min(filter.limit ?? 200, MAX_LOG_ROWS)],
    );
    if (rows.length === 0) return [];
    // The whole roster is small next to a page of calls: one query, not one per station.
    const names = new Map((await this.sql.all<{ exten_user: string; name: string }>('SELECT exten_user, name FROM agents')).map((a) => [a.exten_user, a.name]));
    const lineName = this.options.lineName ?? (() => '');
    return rows.map((r) => toLogged(r, names, r.did ? lineName(r.did) : ''));
  }

  /**
   * A whole number in any form (054-778-8990, +972 54…, 972547788990) is matched on its E.164
   * form, or its last digits where a call's number could not be read; digits anywhere otherwise.
   */
  private byNumber(number: string, where: string[], params: unknown[]): void {
    const digits = number.replace(/\D/g, '');
    if (!digits) return;
    const phone = parsePhone(number, this.options.country);
    const bare = "replace(replace(replace(c.phone_raw, '-', ''), ' ', ''), '+', '')";
    const any = [`coalesce(c.e164, '') LIKE ?`, `${bare} LIKE ?`];
    params.push(`%${digits}%`, `%${digits}%`);
    if (phone.e164) {
      any.push(`c.e164 = ?`, `${bare} LIKE ?`);
      params.push(phone.e164, `%${phone.digits.slice(-this.options.suffixDigits)}`);
    }
    where.push(`(${any.join(' OR ')})`);
  }
}

const seconds = (from: number, to: number) => Math.max(0, Math.round((to - from) / 1000));

/**
 * A time as the log holds it, or — one no call can have, kept before Voicenter's times were
 * checked (TIME_WINDOW: the year 5138, or after the row was last written) — when the row was
 * written, the relay's own clock: the views and the export show every row.
 */
function heldTime(ms: number, writtenAt: number): number;
function heldTime(ms: number | null, writtenAt: number): number | null;
function heldTime(ms: number | null, writtenAt: number): number | null {
  if (ms === null) return null;
  return Number.isFinite(ms) && ms > 0 && ms <= writtenAt + TIME_WINDOW.afterMs ? ms : writtenAt;
}

/** The caller a lookup named, as stored; null for anything that is not one (the call is listed all the same). */
function identityOf(stored: string | null): Identity | null {
  if (!stored) return null;
  try {
    const value: unknown = JSON.parse(stored);
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Identity) : null;
  } catch {
    return null;
  }
}

function toLogged(row: Row, names: Map<string, string>, line: string): LoggedCall {
  const r = { ...row, started_at: heldTime(row.started_at, row.updated_at), answered_at: heldTime(row.answered_at, row.updated_at), ended: heldTime(row.ended, row.updated_at) };
  const outcome: CallOutcome =
    r.direction === 'outgoing' ? 'outgoing' : r.answered_at !== null ? 'answered' : r.ended !== null ? 'missed' : 'in progress';
  const stations = r.stations ? r.stations.split(',').sort() : [];
  // Until it was answered or it ended: still ringing, not known yet.
  const rangUntil = r.answered_at ?? r.ended;
  return {
    ivrid: r.ivrid,
    direction: r.direction,
    phone: r.phone_raw,
    e164: r.e164,
    callerName: r.caller_name,
    did: r.did,
    line,
    identity: identityOf(r.identity),
    startedAt: r.started_at,
    answeredAt: r.answered_at,
    answeredBy: r.answered_by,
    endedAt: r.ended,
    ringSeconds: rangUntil === null ? null : seconds(r.started_at, rangUntil),
    talkSeconds: r.ended === null ? null : r.answered_at === null ? 0 : seconds(r.answered_at, r.ended),
    outcome,
    stations,
    agents: stations.map((extenUser) => ({ extenUser, name: names.get(extenUser) ?? '' })),
  };
}
