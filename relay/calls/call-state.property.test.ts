import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseCallEvent } from '../../shared/call-event';
import type { CallView } from '../../shared/messages';
import { parsePhone } from '../../shared/phone';
import type { Call } from './call';
import { isOver, newCall, openView, recordRequest, viewsOf, type CallRequest } from './call-state';

/**
 * One call's requests, as Voicenter sends them (voicenter-popup-api.txt: a request per station and
 * phase — ringing, answer, hang-up; the Real-Time API adds hold), reach the relay in any order
 * across stations (several relays, retries), each perhaps more than once. Whatever the order, the
 * call must come out the same: the same view at every station, and every station last told that view.
 */

const START = 1_700_000_000;
const CAUSES = ['Normal hangup', 'ANSWERED_ELSEWHERE', 'NO ANSWER'] as const;
const line = (did: string) => `line ${did}`;

interface Plan {
  outgoing: boolean;
  /** Voicenter's answer time (s), sent with the answer and the hang-up; null: not sent (the answer's arrival counts). */
  callAnswered: number | null;
  stations: StationPlan[];
  /** The station that answers (an index into stations); null: nobody does. */
  answerer: number | null;
  /** A hang-up naming no station (the call's end), and where it lands among the others. */
  end: { at: number } | null;
}

interface StationPlan {
  /** Hold and back to talking, this many times (the answerer only). */
  holds: number;
  /** How many of its requests have come (the call caught while still going): 1 + reached % its length. */
  reached: number;
  cause: (typeof CAUSES)[number];
  /** How many times each of its requests comes (a retry comes again before the station's next request). */
  copies: number[];
  /**
   * One of its requests again, late (a retry that went round another relay): its ringing anywhere
   * after the first, even after its answer; another only after its hang-up (a late answer before
   * it, after a hold, would be news: Voicenter sends no number to tell a retry from a new answer).
   */
  late: { which: number; at: number } | null;
}

const stationPlan = fc.record({
  holds: fc.nat(2),
  reached: fc.nat(),
  cause: fc.constantFrom(...CAUSES),
  copies: fc.array(fc.integer({ min: 1, max: 3 }), { minLength: 8, maxLength: 8 }),
  late: fc.option(fc.record({ which: fc.nat(), at: fc.nat() }), { nil: null }),
});

const plan: fc.Arbitrary<Plan> = fc
  .record({
    outgoing: fc.boolean(),
    callAnswered: fc.option(fc.integer({ min: START + 5, max: START + 60 }), { nil: null }),
    stations: fc.array(stationPlan, { minLength: 1, maxLength: 5 }),
    answerer: fc.option(fc.nat(4), { nil: null }),
    end: fc.option(fc.record({ at: fc.nat() }), { nil: null }),
  })
  .map((p) => ({ ...p, answerer: p.answerer === null ? null : p.answerer % p.stations.length }));

function request(fields: Record<string, unknown>, now: number): CallRequest {
  const parsed = parseCallEvent({ ivrid: 'p1', phone: '0722776772', did: '0776707528', callerName: 'Queue Testing', callStarted: START, ...fields });
  if (!parsed.ok) throw new Error(parsed.error);
  return { event: parsed.event, phone: parsePhone(parsed.event.phone, 'IL'), format: 'json', now };
}

/** Each station's requests in the order it sent them, once each. */
function stationRequests(p: Plan): CallRequest[][] {
  const direction = p.outgoing ? 'Outgoing' : 'Incoming';
  return p.stations.map((s, i) => {
    const extenUser = `S${i + 1}`;
    const answers = p.answerer === i;
    const statuses = answers ? ['Ringing', 'Talking', ...Array.from({ length: s.holds }, () => ['Hold', 'Talking']).flat(), 'Hangup'] : ['Ringing', 'Hangup'];
    const sent = statuses.slice(0, 1 + (s.reached % statuses.length));
    return sent.map((status, step) => {
      const answered = status !== 'Ringing' && answers ? { callAnswered: p.callAnswered } : {};
      const cause = status === 'Hangup' ? { cause: s.cause } : {};
      return request({ extenUser, status, direction, ...answered, ...cause }, START * 1000 + step * 1_000 + i * 7);
    });
  });
}

/** The requests in the order the relay hears them: stations interleaved by `picks`, each request repeated, late retries and the call's end placed. */
function arrivals(p: Plan, picks: number[]): CallRequest[] {
  const queues = stationRequests(p).map((sent, i) => sent.flatMap((r, k) => Array.from({ length: p.stations[i]!.copies[k]! }, (_, c) => ({ ...r, now: r.now + c }))));
  const heard: CallRequest[] = [];
  for (const pick of picks) {
    const waiting = queues.filter((q) => q.length > 0);
    if (waiting.length === 0) break;
    heard.push(waiting[pick % waiting.length]!.shift()!);
  }
  for (const q of queues) heard.push(...q);
  p.stations.forEach(({ late }, i) => {
    if (!late) return;
    const mine = heard.flatMap((r, at) => (r.event.extenUser === `S${i + 1}` ? [at] : []));
    const again = heard[mine[late.which % mine.length]!]!;
    const from = again.event.phase === 'ringing' || again.event.phase === 'dialing' ? heard.indexOf(again) : mine.find((at) => heard[at]!.event.phase === 'hangup');
    if (from === undefined) return;
    heard.splice(from + 1 + (late.at % (heard.length - from)), 0, { ...again, now: again.now + 50 });
  });
  if (p.end) {
    // The call's end is the first ending heard (??=), not the earlier: the answerer's hang-up and
    // the call's are kept in the order sent (the property found the call dated by whichever came first).
    const after = p.answerer === null ? -1 : heard.findIndex((r) => r.event.extenUser === `S${p.answerer! + 1}` && r.event.phase === 'hangup');
    heard.splice(after + 1 + (p.end.at % (heard.length - after)), 0, endOf(p));
  }
  return heard;
}

const endOf = (p: Plan) => request({ status: 'Hangup', cause: 'Normal hangup', direction: p.outgoing ? 'Outgoing' : 'Incoming' }, START * 1000 + 60_000);

/** The requests in the order sent, once each: the call as it happened. */
function asSent(p: Plan): CallRequest[] {
  return [...stationRequests(p).flat(), ...(p.end ? [endOf(p)] : [])];
}

/** Applies the requests in turn; the call, and the last view each station was told. */
function play(requests: CallRequest[]): { call: Call; told: Map<string, CallView> } {
  const call = newCall(requests[0]!.event, requests[0]!.now);
  const told = new Map<string, CallView>();
  for (const r of requests) for (const { extenUser, view } of recordRequest(call, structuredClone(r), line).changed) told.set(extenUser, view);
  return { call, told };
}

const byStation = (views: Map<string, CallView>) => Object.fromEntries([...views].sort(([a], [b]) => a.localeCompare(b)));
const withoutCause = (views: Map<string, CallView>) => Object.fromEntries(Object.entries(byStation(views)).map(([s, { cause: _cause, ...v }]) => [s, v]));
const stateOf = (v: CallView | undefined) => v && { state: v.state, answeredBy: v.answeredBy, endedAt: v.endedAt };

describe('the call state, for any order of one call’s requests', () => {
  it('gives every station the same view, and tells each station that view last', () => {
    fc.assert(
      fc.property(plan, fc.array(fc.nat(4), { maxLength: 120 }), (p, picks) => {
        const expected = viewsOf(play(asSent(p)).call, line);
        const { call, told } = play(arrivals(p, picks));
        const views = viewsOf(call, line);
        expect(withoutCause(views)).toEqual(withoutCause(expected));
        // A station that heard its own hang-up shows its cause; one that did not, the latest
        // heard — which is latest depends on the order, so it is only one of those sent.
        const heard = new Set(['', ...call.events.filter((e) => e.phase === 'hangup').map((e) => e.cause)]);
        for (const [station, view] of views) {
          const ownHangup = call.events.some((e) => e.station === station && e.phase === 'hangup');
          if (ownHangup) expect(view.cause).toBe(expected.get(station)!.cause);
          else expect(heard).toContain(view.cause);
        }
        expect(isOver(call)).toBe(isOver(play(asSent(p)).call));
        expect(openView(call, line)?.stations.slice().sort((a, b) => a.extenUser.localeCompare(b.extenUser))).toEqual(
          openView(play(asSent(p)).call, line)?.stations.slice().sort((a, b) => a.extenUser.localeCompare(b.extenUser)),
        );
        for (const [station, view] of views) if (station !== '') expect(stateOf(told.get(station))).toEqual(stateOf(view));
      }),
      { numRuns: 300 },
    );
  });
});
