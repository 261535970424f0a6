/**
 * Times in the call log as people read them: in a named time zone (IANA, through Intl), not UTC.
 * The console asks for the supervisor's own zone; without one, the relay's.
 */

/** The relay's own time zone (its TZ; UTC in most containers). */
export const relayTimeZone = (): string => Intl.DateTimeFormat().resolvedOptions().timeZone;

/** The zone's canonical name (asia/jerusalem → Asia/Jerusalem); null when Intl does not know it. */
export function timeZoneNamed(name: string): string | null {
  try {
    return new Intl.DateTimeFormat('en-US', { timeZone: name }).resolvedOptions().timeZone;
  } catch {
    return null;
  }
}

/** Date's own range (100 million days either side of 1970): no zone has a local time beyond it, and Intl throws. */
const DATE_RANGE_MS = 8.64e15;
const datable = (ms: number) => Number.isFinite(ms) && Math.abs(ms) <= DATE_RANGE_MS;

const formats = new Map<string, Intl.DateTimeFormat>();
function partsIn(zone: string, ms: number): Record<string, string> {
  let format = formats.get(zone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-US', {
      timeZone: zone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit', timeZoneName: 'longOffset',
    });
    formats.set(zone, format);
  }
  return Object.fromEntries(format.formatToParts(ms).map((p) => [p.type, p.value]));
}

/** "2026-11-27 14:03:05": the local time in `zone`, as spreadsheet programs read a date and time; "" for a time no date can hold. */
export function localTime(ms: number, zone: string): string {
  if (!datable(ms)) return '';
  const p = partsIn(zone, ms);
  return `${p.year}-${p.month}-${p.day} ${p.hour}:${p.minute}:${p.second}`;
}

/** The zone's offset from UTC at that moment, "+02:00" (Israel in winter), "+03:00" (summer); for a time no date can hold, its offset now. */
export function utcOffset(ms: number, zone: string): string {
  const name = partsIn(zone, datable(ms) ? ms : Date.now()).timeZoneName ?? 'GMT';
  return name === 'GMT' ? '+00:00' : name.slice(3);
}

const offsetMs = (ms: number, zone: string) => {
  const [, sign, h, m] = /^([+-])(\d\d):(\d\d)$/.exec(utcOffset(ms, zone))!;
  return (sign === '-' ? -1 : 1) * (Number(h) * 60 + Number(m)) * 60_000;
};

/**
 * When the day (2026-11-27) begins in `zone`, in ms; `later` days on (1: when it ends). Days made
 * shorter or longer by a clock change are as long as they are.
 */
export function startOfDay(day: string, zone: string, later = 0): number {
  const [y, m, d] = day.split('-').map(Number) as [number, number, number];
  const utcMidnight = Date.UTC(y, m - 1, d + later);
  // The offset just before midnight first, then again at the moment found: a change at midnight moves it.
  const guess = utcMidnight - offsetMs(utcMidnight, zone);
  return utcMidnight - offsetMs(guess, zone);
}
