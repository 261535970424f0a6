import { describe, expect, it } from 'vitest';
import { localTime, startOfDay, timeZoneNamed, utcOffset } from './log-time';

describe('call log times in a time zone', () => {
  it('writes Israel time as a spreadsheet reads it, with winter and summer offsets', () => {
    expect(localTime(Date.UTC(2026, 0, 15, 10, 4, 5), 'Asia/Jerusalem')).toBe('2026-01-15 12:04:05');
    expect(utcOffset(Date.UTC(2026, 0, 15), 'Asia/Jerusalem')).toBe('+02:00');
    expect(localTime(Date.UTC(2026, 6, 15, 22, 30), 'Asia/Jerusalem')).toBe('2026-07-16 01:30:00');
    expect(utcOffset(Date.UTC(2026, 6, 15), 'Asia/Jerusalem')).toBe('+03:00');
    expect(utcOffset(Date.UTC(2026, 6, 15), 'UTC')).toBe('+00:00');
    expect(utcOffset(Date.UTC(2026, 6, 15), 'America/New_York')).toBe('-04:00');
  });

  it('finds where a day begins and ends in the zone, on the days the clock changes too', () => {
    expect(startOfDay('2026-01-15', 'Asia/Jerusalem')).toBe(Date.UTC(2026, 0, 14, 22));
    expect(startOfDay('2026-01-15', 'Asia/Jerusalem', 1)).toBe(Date.UTC(2026, 0, 15, 22));
    expect(startOfDay('2026-07-15', 'Asia/Jerusalem')).toBe(Date.UTC(2026, 6, 14, 21));
    // Summer time begins on 27 March 2026 at 02:00: that day is 23 hours long, 25 October's is 25.
    expect(startOfDay('2026-03-27', 'Asia/Jerusalem', 1) - startOfDay('2026-03-27', 'Asia/Jerusalem')).toBe(23 * 3_600_000);
    expect(startOfDay('2026-10-25', 'Asia/Jerusalem', 1) - startOfDay('2026-10-25', 'Asia/Jerusalem')).toBe(25 * 3_600_000);
    expect(startOfDay('2026-12-31', 'UTC', 1)).toBe(Date.UTC(2027, 0, 1));
  });

  it('knows the zones Intl knows, by their canonical names', () => {
    expect(timeZoneNamed('asia/jerusalem')).toBe('Asia/Jerusalem');
    expect(timeZoneNamed('Nowhere/Else')).toBeNull();
  });
});
