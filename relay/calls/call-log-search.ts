import type { CallOutcome, LoggedCall } from '../../shared/console';
import type { Identity } from '../../shared/messages';
import type { CountryCode } from 'libphonenumber-js';
import { parsePhone } from '../../shared/phone';
import type { Sql } from '../platform/sql';

/** What the console's call log may be filtered by; every field optional. */
export interface CallLogFilter {
  /** A number in any form (matched on E.164), or digits anywhere in it (dashes and spaces ignored). */
  number?: string;
  /** Calls that rang at this extension user. */
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
  identity: string | null;
  started_at: number;
  answered_at: number | null;
  answered_by: string | null;
  ended_at: number | null;
  hung_up: number;
  stations: string | null;
}

/** The longest page of the call log one request returns (the CSV export included). */
export const MAX_LOG_ROWS = 10_000;

/**
 * Reads the call log (written by CallTracker) for the console: filtered, newest first. A call is
 * missed when it came in, nobody answered, and it is over.
 */
export class CallLogSearch {
  constructor(
    private readonly sql: Sql,
    /** Writes still queued are written first, so a call just handled is in the answer. */
    private readonly flush: () => Promise<void>,
    /** How a number searched for is read (RELAY_DEFAULT_COUNTRY) and how many last digits must match (RELAY_MATCH_SUFFIX_DIGITS). */
    private readonly numbers: { country: CountryCode; suffixDigits: number } = { country: 'IL', suffixDigits: 9 },
  ) {}

  async find(filter: CallLogFilter = {}): Promise<LoggedCall[]> {
    await this.flush();
    const where = ['c.started_at >= ?', 'c.started_at < ?'];
    const params: unknown[] = [filter.from ?? 0, filter.to ?? Number.MAX_SAFE_INTEGER];
    // A whole number in any form (054-778-8990, +972 54…, 972547788990) is matched on its E.164
    // form, or its last digits where a call's number could not be read; digits anywhere otherwise.
    const digits = (filter.number ?? '').replace(/\D/g, '');
    if (digits) {
      const phone = parsePhone(filter.number, this.numbers.country);
      const bare = "replace(replace(replace(c.phone_raw, '-', ''), ' ', ''), '+', '')";
      const any = [`coalesce(c.e164, '') LIKE ?`, `${bare} LIKE ?`];
      params.push(`%${digits}%`, `%${digits}%`);
      if (phone.e164) {
        any.push(`c.e164 = ?`, `${bare} LIKE ?`);
        params.push(phone.e164, `%${phone.digits.slice(-this.numbers.suffixDigits)}`);
      }
      where.push(`(${any.join(' OR ')})`);
    }
    if (filter.agent) {
      where.push('EXISTS (SELECT 1 FROM call_events a WHERE a.ivrid = c.ivrid AND a.exten_user = ?)');
      params.push(filter.agent);
    }
    if (filter.missed) {
      where.push(`c.direction != 'outgoing' AND c.answered_at IS NULL
        AND (c.ended_at IS NOT NULL OR EXISTS (SELECT 1 FROM call_events m WHERE m.ivrid = c.ivrid AND m.phase = 'hangup'))`);
    }
    const stations = this.sql.engine === 'postgres' ? "string_agg(DISTINCT s.exten_user, ',')" : 'group_concat(DISTINCT s.exten_user)';
    const rows = await this.sql.all<Row>(
      `SELECT c.ivrid, c.direction, c.phone_raw, c.e164, c.caller_name, c.identity, c.started_at,
              c.answered_at, c.answered_by, c.ended_at,
              CASE WHEN EXISTS (SELECT 1 FROM call_events h WHERE h.ivrid = c.ivrid AND h.phase = 'hangup') THEN 1 ELSE 0 END AS hung_up,
              (SELECT ${stations} FROM call_events s WHERE s.ivrid = c.ivrid AND s.exten_user != '') AS stations
       FROM calls c
       WHERE ${where.join(' AND ')}
       ORDER BY c.started_at DESC, c.ivrid
       LIMIT ?`,
      [...params, Math.min(filter.limit ?? 200, MAX_LOG_ROWS)],
    );
    return rows.map(toLogged);
  }
}

function toLogged(r: Row): LoggedCall {
  const over = r.ended_at !== null || r.hung_up === 1;
  const outcome: CallOutcome =
    r.direction === 'outgoing' ? 'outgoing' : r.answered_at !== null ? 'answered' : over ? 'missed' : 'in progress';
  return {
    ivrid: r.ivrid,
    direction: r.direction,
    phone: r.phone_raw,
    e164: r.e164,
    callerName: r.caller_name,
    identity: r.identity ? (JSON.parse(r.identity) as Identity) : null,
    startedAt: r.started_at,
    answeredAt: r.answered_at,
    answeredBy: r.answered_by,
    endedAt: r.ended_at,
    outcome,
    stations: r.stations ? r.stations.split(',').sort() : [],
  };
}

/** The call log as CSV (RFC 4180, via csv-stringify), for the console's export. */
export const CSV_COLUMNS = [
  'ivrid', 'direction', 'phone', 'e164', 'callerName', 'name', 'company', 'url', 'startedAt', 'answeredAt', 'answeredBy', 'endedAt', 'outcome', 'stations',
] as const;

/** A cell a spreadsheet would read as a number, or a phone number as people write it: left as it is. */
const NUMBER_OR_PHONE = /^(?:[+-]?\d+(?:\.\d+)?|\+?\d[\d\s().-]*)$/;

/**
 * Text that a spreadsheet program would run as a formula (OWASP "CSV Injection": a cell starting
 * with =, +, -, @, tab or carriage return) gets a leading apostrophe, so it shows as text.
 * Numbers and phone numbers are left alone: they cannot call anything.
 */
export function csvCell(text: string): string {
  return /^[=+\-@\t\r]/.test(text) && !NUMBER_OR_PHONE.test(text) ? `'${text}` : text;
}

export function csvRecord(c: LoggedCall): string[] {
  const iso = (ms: number | null) => (ms === null ? '' : new Date(ms).toISOString());
  // Every cell: any of them may hold text a caller or a CRM chose.
  return [
    c.ivrid, c.direction, c.phone, c.e164 ?? '', c.callerName, c.identity?.name ?? '', c.identity?.company ?? '', c.identity?.url ?? '',
    iso(c.startedAt), iso(c.answeredAt), c.answeredBy ?? '', iso(c.endedAt), c.outcome, c.stations.join(' '),
  ].map(csvCell);
}
