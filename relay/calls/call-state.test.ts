import { describe, expect, it } from 'vitest';
import { parseCallEvent, type CallEvent } from '../../shared/call-event';
import type { CallView } from '../../shared/messages';
import { parsePhone } from '../../shared/phone';
import {
  applyRequest, CALL_LIMITS, changedViews, expireStations, isOver, newCall, recordRequest, staleStations, viewsOf, type CallRequest,
} from './call-state';
import type { Call } from './call';

function request(fields: Record<string, unknown>, now = 1_000): CallRequest {
  const parsed = parseCallEvent({ ivrid: 'c1', phone: '0722776772', ...fields });
  if (!parsed.ok) throw new Error(parsed.error);
  return { event: parsed.event, phone: parsePhone(parsed.event.phone, 'IL'), format: 'json', now };
}
const line = (did: string) => `line ${did}`;

/** The views worked out from the events alone, as every request used to (each station's events filtered out of all of them). */
function viewsFromScratch(call: Call): Map<string, Pick<CallView, 'state' | 'answeredBy' | 'endedAt' | 'cause'>> {
  const result = new Map<string, Pick<CallView, 'state' | 'answeredBy' | 'endedAt' | 'cause'>>();
  for (const station of new Set(call.events.map((e) => e.station))) {
    const mine = call.events.filter((e) => e.station === station);
    const hangup = mine.find((e) => e.phase === 'hangup');
    const last = mine.filter((e) => e.phase !== 'hangup').at(-1);
    const by = call.answered?.by ?? null;
    const answeredBy = by === null ? null : by === station ? 'me' : 'other';
    const endedAt = hangup?.at ?? call.ended?.at ?? (answeredBy === 'other' ? (call.answered?.at ?? null) : null);
    const state = endedAt !== null ? 'ended' : ({ talking: 'talking', hold: 'hold', dialing: 'dialing' } as Record<string, CallView['state']>)[last?.phase ?? ''] ?? 'ringing';
    result.set(station, { state, answeredBy, endedAt, cause: hangup?.cause || call.cause });
  }
  return result;
}

/** A reproducible sequence of requests for one call: stations ringing, answering, holding, hanging up, in any order. */
function* requests(seed: number, count: number): Generator<CallRequest> {
  let x = seed;
  const next = (n: number) => ((x = (x * 1_103_515_245 + 12_345) % 2 ** 31), x % n);
  const statuses = ['Ringing', 'Talking', 'Hold', 'Talking', 'Hangup', 'Ringing', 'Whatever'];
  for (let i = 0; i < count; i++) {
    const station = next(12);
    yield request({ extenUser: station === 0 ? '' : `S${station}`, status: statuses[next(statuses.length)], cause: `cause ${i}`, did: '0777' }, 1_000 + i);
  }
}

describe('recordRequest: the views kept as requests come', () => {
  it('tells exactly the stations whose view changed, and the views are what the events say, for any order of requests', () => {
    for (let seed = 1; seed <= 40; seed++) {
      const call = newCall(request({}).event, 1_000);
      const twin = newCall(request({}).event, 1_000);
      for (const req of requests(seed, 60)) {
        const before = viewsOf(twin, line);
        const brute = applyRequest(twin, structuredClone(req));
        const expected = brute.duplicate ? [] : changedViews(before, viewsOf(twin, line));
        const applied = recordRequest(call, req, line);
        expect(applied.duplicate).toBe(brute.duplicate);
        expect(applied.changed).toEqual(expected);
        const kept = new Map([...viewsOf(call, line)].map(([s, v]) => [s, { state: v.state, answeredBy: v.answeredBy, endedAt: v.endedAt, cause: v.cause }]));
        expect(kept).toEqual(viewsFromScratch(call));
        expect(isOver(call)).toBe([...kept.values()].every((v) => v.state === 'ended'));
      }
    }
  });

  it('a ringing request reads its own station only: the others are neither told nor worked out again', () => {
    const call = newCall(request({}).event, 1_000);
    for (let i = 0; i < 100; i++) recordRequest(call, request({ extenUser: `S${i}`, status: 'Ringing' }), line);
    expect(recordRequest(call, request({ extenUser: 'S100', status: 'Ringing' }), line).changed.map((c) => c.extenUser)).toEqual(['S100']);
    // An answer changes what every station sees: each is told (the others' calls are answered elsewhere).
    const answered = recordRequest(call, request({ extenUser: 'S7', status: 'Talking' }), line);
    expect(answered.changed).toHaveLength(101);
    expect(answered.changed.find((c) => c.extenUser === 'S7')?.view).toMatchObject({ state: 'talking', answeredBy: 'me' });
  });

  it('a call ended by the relay (no hang-up heard) and a stale station read the same index', () => {
    const call = newCall(request({}).event, 1_000);
    recordRequest(call, request({ extenUser: 'A', status: 'Ringing' }, 1_000), line);
    recordRequest(call, request({ extenUser: 'B', status: 'Ringing' }, 5_000), line);
    expect(staleStations(call, 6_500, { ringingMs: 3_000, talkingMs: 60_000 })).toEqual(['A']);
    expect(expireStations(call, ['A'], 6_500)).toHaveLength(1);
    expect(viewsOf(call, line).get('A')?.state).toBe('ended');
    expect(isOver(call)).toBe(false);
    expireStations(call, ['B'], 9_000);
    expect(isOver(call)).toBe(true);
  });
});

describe('a call’s limits', () => {
  const ringAt = (call: Call, station: string) => applyRequest(call, request({ extenUser: station, status: 'Ringing' }));

  it(`takes ${CALL_LIMITS.stations} stations; another is refused and changes nothing, while the call's own stations still answer and hang up`, () => {
    const call = newCall(request({}).event, 1_000);
    for (let i = 0; i < CALL_LIMITS.stations; i++) expect(ringAt(call, `S${i}`).refused).toBeUndefined();
    const events = call.events.length;
    const before = structuredClone(call);
    expect(ringAt(call, 'one-more')).toEqual({ duplicate: true, logged: [], refused: 'stations' });
    expect(applyRequest(call, request({ extenUser: 'late', status: 'Hangup' })).refused).toBe('stations');
    expect(call.events).toHaveLength(events);
    expect(call).toEqual(before);
    // A retry from a station it has is a duplicate as ever, not a refusal.
    expect(ringAt(call, 'S3')).toEqual({ duplicate: true, logged: [] });
    expect(applyRequest(call, request({ extenUser: 'S3', status: 'Talking' })).refused).toBeUndefined();
    expect(applyRequest(call, request({ extenUser: 'S3', status: 'Hangup' })).refused).toBeUndefined();
    expect(isOver(call)).toBe(true);
  });

  it(`takes ${CALL_LIMITS.events} events (phases and unknown statuses); beyond them only hang-ups, so the call still ends`, () => {
    const call = newCall(request({}).event, 1_000);
    ringAt(call, 'A');
    ringAt(call, 'B');
    let status = 'Talking';
    let i = 0;
    for (; i < CALL_LIMITS.events; i++) {
      const applied = applyRequest(call, request({ extenUser: 'A', status: i % 10 === 9 ? 'Whatever' : status }));
      if (applied.refused) break;
      if (i % 10 !== 9) status = status === 'Talking' ? 'Hold' : 'Talking';
    }
    expect(i).toBe(CALL_LIMITS.events - 2);
    expect(applyRequest(call, request({ extenUser: 'A', status: 'Whatever' })).refused).toBe('events');
    expect(applyRequest(call, request({ extenUser: 'C', status: 'Ringing' })).refused).toBe('events');
    expect(applyRequest(call, request({ extenUser: 'B', status: 'Hangup' })).refused).toBeUndefined();
    expect(applyRequest(call, request({ extenUser: 'A', status: 'Hangup' })).refused).toBeUndefined();
    expect(isOver(call)).toBe(true);
  });
});

// (The incremental index survives a call copied or read back: its events list is indexed anew.)
describe('a call read back from the log', () => {
  it('is indexed from its events', () => {
    const call = newCall(request({}).event, 1_000);
    recordRequest(call, request({ extenUser: 'A', status: 'Ringing' }), line);
    recordRequest(call, request({ extenUser: 'A', status: 'Talking' }), line);
    const back: Call = { ...call, events: call.events.map((e) => ({ ...e })) };
    expect(viewsOf(back, line)).toEqual(viewsOf(call, line));
    const e: CallEvent = request({ extenUser: 'A', status: 'Hangup' }).event;
    expect(recordRequest(back, { ...request({}), event: e }, line).changed.map((c) => c.view.state)).toEqual(['ended']);
  });
});
