import type { CallEvent, CallPhase, EventOrigin } from '../../shared/call-event';
import type { LiveCallView } from '../../shared/console';
import { PENDING, type CallState, type CallView, type Identity } from '../../shared/messages';
import type { Phone } from '../../shared/phone';
import type { CallRow, EventRow, NewEvent } from './call-log-store';

/**
 * What a call is, worked out from the requests Voicenter sent for it, in order: each request
 * applied to the call (applyRequest), the views each station has of it (viewsOf). Pure: one relay
 * applies them in memory (CallTracker); several apply the same shared list of requests (relay/cluster/).
 */

/** The cause of a call the relay ended itself, having heard nothing more from Voicenter. */
export const NO_HANGUP = 'no hang-up received';

const STATE_OF_PHASE: Partial<Record<CallPhase, CallState>> = {
  ringing: 'ringing',
  dialing: 'dialing',
  talking: 'talking',
  hold: 'hold',
};

export interface LiveCall {
  row: CallRow;
  events: EventRow[];
}

/** One pop-up request, as applied to a call. */
export interface CallRequest {
  event: CallEvent;
  phone: Phone;
  format: EventOrigin;
  now: number;
}

export interface StaleLimits {
  ringingMs: number;
  talkingMs: number;
}

export interface Expired {
  ivrid: string;
  changed: { extenUser: string; view: CallView }[];
}

export function newCall(event: CallEvent, now: number): LiveCall {
  return {
    row: {
      ivrid: event.ivrid,
      direction: event.direction,
      phone_raw: '',
      e164: null,
      phone_local: '',
      caller_name: '',
      did: '',
      started_at: event.callStarted ? event.callStarted * 1000 : now,
      answered_at: null,
      answered_by: null,
      ended_at: null,
      cause: '',
      identity: null,
      updated_at: now,
    },
    events: [],
  };
}

/**
 * Applies one request to the call (changing it). Returns whether it was a duplicate (the same
 * phase for the same station again, or anything after its hang-up: nobody's view changes) and the
 * events to log (an unknown status is logged, and changes nothing).
 */
export function applyRequest(call: LiveCall, { event, phone, format, now }: CallRequest): { duplicate: boolean; logged: NewEvent[] } {
  const row = call.row;
  // Later requests fill in what earlier ones lacked.
  if (row.direction === 'unknown') row.direction = event.direction;
  if (row.phone_raw === '' && !phone.withheld) {
    row.phone_raw = phone.raw;
    row.e164 = phone.e164;
    row.phone_local = phone.local;
  }
  row.caller_name ||= event.callerName || event.originalCallerName;
  row.did ||= event.did;
  row.updated_at = now;

  const station = event.extenUser ?? '';
  const mine = call.events.filter((e) => e.exten_user === station);
  const last = mine.at(-1);
  const duplicate =
    event.phase === 'unknown' ||
    mine.some((e) => e.phase === 'hangup') ||
    last?.phase === event.phase ||
    (last !== undefined && (event.phase === 'ringing' || event.phase === 'dialing'));
  const logged: NewEvent = { exten_user: station, phase: event.phase, status: event.status, cause: event.cause, format, received_at: now };
  if (duplicate) return { duplicate, logged: event.phase === 'unknown' ? [logged] : [] };
  call.events.push({ exten_user: station, phase: event.phase, cause: event.cause, received_at: now });
  if (event.phase === 'talking') {
    row.answered_at ??= event.callAnswered ? event.callAnswered * 1000 : now;
    if (row.answered_by === null && station !== '') row.answered_by = station;
  } else if (event.phase === 'hangup') {
    row.cause = event.cause;
    // A hang-up for no station, or for the one that answered, ends the call for everyone.
    if (station === '' || row.answered_by === station) row.ended_at ??= now;
  }
  return { duplicate, logged: [logged] };
}

/** Stations of the call with no news for too long: still ringing after `ringingMs`, talking or on hold after `talkingMs`. */
export function staleStations(call: LiveCall, now: number, limits: StaleLimits): string[] {
  return [...viewsOf(call, () => '')]
    .filter(([station, view]) => {
      if (station === '' || view.state === 'ended') return false;
      const last = call.events.filter((e) => e.exten_user === station).at(-1)!;
      return now - last.received_at > (view.state === 'ringing' || view.state === 'dialing' ? limits.ringingMs : limits.talkingMs);
    })
    .map(([station]) => station);
}

/** Ends these stations as if Voicenter had sent their hang-ups (a lost request); those already ended are left. Returns the events to log. */
export function expireStations(call: LiveCall, stations: string[], now: number): NewEvent[] {
  const ending = stations.filter((s) => !call.events.some((e) => e.exten_user === s && e.phase === 'hangup'));
  if (ending.length === 0) return [];
  const row = call.row;
  for (const station of ending) {
    call.events.push({ exten_user: station, phase: 'hangup', cause: NO_HANGUP, received_at: now });
    if (row.answered_by === station) row.ended_at ??= now;
  }
  row.cause ||= NO_HANGUP;
  row.updated_at = now;
  return ending.map((station) => ({ exten_user: station, phase: 'hangup', status: 'NoHangupReceived', cause: NO_HANGUP, format: 'relay', received_at: now }));
}

/** Stations whose view changed between two moments of a call, with the new view. */
export function changedViews(before: Map<string, CallView>, after: Map<string, CallView>): { extenUser: string; view: CallView }[] {
  return [...after].filter(([user, view]) => user !== '' && !sameView(before.get(user), view)).map(([extenUser, view]) => ({ extenUser, view }));
}

/** The console's view of a call still going at some station; null when it is over everywhere. */
export function openView(call: LiveCall, lineName: (did: string) => string): LiveCallView | null {
  const going = [...viewsOf(call, lineName)].filter(([, v]) => v.state !== 'ended');
  if (going.length === 0) return null;
  const stations = going.filter(([user]) => user !== '');
  const states = stations.map(([, v]) => v.state);
  return {
    ...going[0]![1],
    state: states.includes('talking') ? 'talking' : states.includes('hold') ? 'hold' : (states[0] ?? going[0]![1].state),
    answeredBy: null,
    answeredAt: call.row.answered_at,
    answeredByStation: call.row.answered_by,
    stations: stations.map(([extenUser, v]) => ({ extenUser, state: v.state })),
  };
}

export function viewsOf(call: LiveCall, lineName: (did: string) => string): Map<string, CallView> {
  const line = call.row.did ? lineName(call.row.did) : '';
  const result = new Map<string, CallView>();
  for (const station of new Set(call.events.map((e) => e.exten_user))) {
    result.set(station, { ...viewFor(call.row, call.events.filter((e) => e.exten_user === station), station), line });
  }
  return result;
}

export const parseIdentity = (json: string | null): Identity | null => (json ? (JSON.parse(json) as Identity) : null);

function viewFor(call: CallRow, events: EventRow[], station: string): Omit<CallView, 'line'> {
  const hangup = events.find((e) => e.phase === 'hangup');
  const answeredBy = call.answered_by === null ? null : call.answered_by === station ? 'me' : 'other';
  const last = events.filter((e) => e.phase !== 'hangup').at(-1);
  const endedAt = hangup?.received_at ?? call.ended_at ?? (answeredBy === 'other' ? call.answered_at : null);
  return {
    ivrid: call.ivrid,
    direction: call.direction,
    state: endedAt !== null ? 'ended' : (STATE_OF_PHASE[last?.phase ?? 'ringing'] ?? 'ringing'),
    phone: { raw: call.phone_raw, e164: call.e164, local: call.phone_local, withheld: call.phone_raw === '' },
    callerName: call.caller_name,
    did: call.did,
    startedAt: call.started_at,
    answeredAt: answeredBy === 'me' ? call.answered_at : null,
    endedAt,
    cause: hangup?.cause || call.cause,
    answeredBy,
    identity: call.identity ? (JSON.parse(call.identity) as Identity) : PENDING,
  };
}

function sameView(a: CallView | undefined, b: CallView): boolean {
  return a !== undefined && a.state === b.state && a.answeredBy === b.answeredBy && a.endedAt === b.endedAt;
}
