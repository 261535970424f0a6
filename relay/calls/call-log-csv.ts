import type { LoggedCall } from '../../shared/console';
import { localTime, utcOffset } from './log-time';

/**
 * The call log as CSV rows (written by csv-stringify, RFC 4180), for the console's export: times
 * in one named time zone, said on every row (`timeZone`, with that day's offset from UTC).
 */
export const CSV_COLUMNS = [
  'ivrid', 'direction', 'phone', 'e164', 'callerName', 'name', 'company', 'url', 'line', 'lineName',
  'startedAt', 'answeredAt', 'endedAt', 'timeZone', 'ringSeconds', 'talkSeconds', 'outcome',
  'answeredBy', 'answeredByName', 'stations', 'agentNames',
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

/** One call's cells, its times in `zone` (an IANA name Intl knows). */
export function csvRecord(c: LoggedCall, zone: string): string[] {
  const at = (ms: number | null) => (ms === null ? '' : localTime(ms, zone));
  const count = (n: number | null) => (n === null ? '' : String(n));
  const name = (extenUser: string) => c.agents.find((a) => a.extenUser === extenUser)?.name ?? '';
  // Every cell: any of them may hold text a caller, a CRM or a supervisor chose.
  return [
    c.ivrid, c.direction, c.phone, c.e164 ?? '', c.callerName, c.identity?.name ?? '', c.identity?.company ?? '', c.identity?.url ?? '', c.did, c.line,
    at(c.startedAt), at(c.answeredAt), at(c.endedAt), `${zone} (UTC${utcOffset(c.startedAt, zone)})`, count(c.ringSeconds), count(c.talkSeconds), c.outcome,
    c.answeredBy ?? '', c.answeredBy ? name(c.answeredBy) : '', c.stations.join(' '), c.agents.map((a) => a.name || a.extenUser).join('; '),
  ].map(csvCell);
}
