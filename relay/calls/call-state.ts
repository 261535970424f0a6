import type { CallEvent, CallPhase, EventOrigin } from '../../shared/call-event';
import type { LiveCallView } from '../../shared/console';
import { PENDING, type CallState, type CallView } from '../../shared/messages';
import type { Phone } from '../../shared/phone';
import type { Call, LoggedEvent } from './call';
import { indexOf, stationCount, type StationEvents } from './station-index';

/**
 * What a call is, worked out from the requests Voicenter sent for it, in order: each request
 * applied to the call (applyRequest), the views each station has of it (viewsOf). Pure: one relay
 * applies them in memory (CallTracker); several apply the same shared list of requests (relay/cluster/).
 */

/** The cause of a call the relay ended itself, having heard nothing more from Voicenter. */
export const NO_HANGUP = 'no hang-up received';

/**
 * The most one call takes: stations it rings at, and events (phases, and unknown statuses
 * recorded). A queue that rings everyone is some hundreds; beyond, a request that would add a
 * station or an event is refused (CALL_TOO_LARGE), so that no call costs the relay, its agents'
 * messages or the console more than this. A station's hang-up, and the call's, are always taken:
 * each ends something once, and the call still ends.
 */
export const CALL_LIMITS = { stations: 500, events: 2_000 } as const;

export type CallLimit = keyof typeof CALL_LIMITS;

const STATE_OF_PHASE: Partial<Record<CallPhase, CallState>> = {
  ringing: 'ringing',
  dialing: 'dialing',
  talking: 'talking',
  hold: 'hold',
};

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
  changed: ChangedView[];
  /** The call log's write of the ending, where the relay itself writes it (its failure is said by the caller). */
  written?: Promise<void>;
}

export function newCall(event: CallEvent, now: number): Call {
  return {
    ivrid: event.ivrid,
    direction: event.direction,
    phone: null,
    callerName: '',
    did: '',
    startedAt: event.callStarted ? event.callStarted * 1000 : now,
    cause: '',
    identity: null,
    updatedAt: now,
    events: [],
  };
}

/** What one request did to a call. */
export interface Applied {
  /**
   * Nobody's view changes: the same phase for the same station again, anything after its hang-up,
   * an unknown status — or a request refused.
   */
  duplicate: boolean;
  /** The events to log (an unknown status is logged, and changes nothing). */
  logged: LoggedEvent[];
  /** The call is at this limit (CALL_LIMITS): the request changed nothing and is not logged. */
  refused?: CallLimit;
}

/** Applies one request to the call (changing it), unless the call is at one of its limits. */
export function applyRequest(call: Call, { event, phone, format, now }: CallRequest): Applied {
  const station = event.extenUser ?? '';
  const index = indexOf(call.events);
  const mine = index.stations.get(station);
  const duplicate =
    event.phase === 'unknown' ||
    mine?.hangup !== undefined ||
    mine?.last.phase === event.phase ||
    (mine !== undefined && (event.phase === 'ringing' || event.phase === 'dialing'));
  const refused = duplicate && event.phase !== 'unknown' ? undefined : beyondLimit(call, station, mine !== undefined, event.phase);
  if (refused) return { duplicate: true, logged: [], refused };
  // Later requests fill in what earlier ones lacked.
  if (call.direction === 'unknown') call.direction = event.direction;
  if (call.phone === null && !phone.withheld) call.phone = { raw: phone.raw, e164: phone.e164, local: phone.local };
  call.callerName ||= event.callerName || event.originalCallerName;
  call.did ||= event.did;
  call.updatedAt = now;

  const logged: LoggedEvent = { station, phase: event.phase, status: event.status, cause: event.cause, origin: format, at: now };
  if (event.phase === 'unknown') index.unknown++;
  if (duplicate) return { duplicate, logged: event.phase === 'unknown' ? [logged] : [] };
  call.events.push({ station, phase: event.phase, cause: event.cause, at: now });
  if (event.phase === 'talking') {
    call.answered ??= { at: event.callAnswered ? event.callAnswered * 1000 : now, by: null };
    if (call.answered.by === null && station !== '') call.answered = { ...call.answered, by: station };
  } else if (event.phase === 'hangup') {
    call.cause = event.cause;
    // A hang-up for no station, or for the one that answered, ends the call for everyone.
    if (station === '' || call.answered?.by === station) call.ended ??= { at: now };
  }
  return { duplicate, logged: [logged] };
}

/** The limit a request that adds to the call would pass; undefined when it may. */
function beyondLimit(call: Call, station: string, known: boolean, phase: CallEvent['phase']): CallLimit | undefined {
  if (phase === 'hangup' && (known || station === '')) return undefined;
  const index = indexOf(call.events);
  if (!known && station !== '' && stationCount(index) >= CALL_LIMITS.stations) return 'stations';
  if (call.events.length + index.unknown >= CALL_LIMITS.events) return 'events';
  return undefined;
}

/**
 * Applies one request (applyRequest) and says which stations' views changed, with the new view:
 * only its own station's, unless it changed what every station's view reads (who answered, when,
 * when the call ended) — so a request costs the same on a call of three stations as of hundreds.
 */
export function recordRequest(call: Call, request: CallRequest, lineName: (did: string) => string): Applied & { changed: ChangedView[] } {
  const station = request.event.extenUser ?? '';
  // (A copy is the call as it was: its records are replaced, never changed in place.)
  const before: Outcome = { answered: call.answered, ended: call.ended };
  const mine = indexOf(call.events).stations.get(station);
  const mineBefore = mine && stateOf(before, mine, station);
  const applied = applyRequest(call, request);
  if (applied.duplicate) return { ...applied, changed: [] };
  const everyone = before.answered?.by !== call.answered?.by || before.answered?.at !== call.answered?.at || before.ended?.at !== call.ended?.at;
  const stations = indexOf(call.events).stations;
  const changed: ChangedView[] = [];
  const view = viewBuilder(call, lineName);
  for (const [user, events] of everyone ? stations : [[station, stations.get(station)!] as const]) {
    if (user === '') continue;
    const was = user === station ? mineBefore : stateOf(before, events, user);
    if (!sameState(was, stateOf(call, events, user))) changed.push({ extenUser: user, view: view(user, events) });
  }
  return { ...applied, changed };
}

export interface ChangedView {
  extenUser: string;
  view: CallView;
}

/** Stations of the call with no news for too long: still ringing after `ringingMs`, talking or on hold after `talkingMs`. */
export function staleStations(call: Call, now: number, limits: StaleLimits): string[] {
  const result: string[] = [];
  for (const [station, events] of indexOf(call.events).stations) {
    if (station === '') continue;
    const { state } = stateOf(call, events, station);
    if (state === 'ended') continue;
    if (now - events.last.at > (state === 'ringing' || state === 'dialing' ? limits.ringingMs : limits.talkingMs)) result.push(station);
  }
  return result;
}

/** Ends these stations as if Voicenter had sent their hang-ups (a lost request); those already ended are left. Returns the events to log. */
export function expireStations(call: Call, stations: string[], now: number): LoggedEvent[] {
  const index = indexOf(call.events);
  const ending = stations.filter((s) => index.stations.get(s)?.hangup === undefined);
  if (ending.length === 0) return [];
  for (const station of ending) {
    call.events.push({ station, phase: 'hangup', cause: NO_HANGUP, at: now });
    if (call.answered?.by === station) call.ended ??= { at: now };
  }
  call.cause ||= NO_HANGUP;
  call.updatedAt = now;
  return ending.map((station) => ({ station, phase: 'hangup', status: 'NoHangupReceived', cause: NO_HANGUP, origin: 'relay', at: now }));
}

/** Stations whose view changed between two moments of a call, with the new view. */
export function changedViews(before: Map<string, CallView>, after: Map<string, CallView>): ChangedView[] {
  return [...after].filter(([user, view]) => user !== '' && !sameState(before.get(user), view)).map(([extenUser, view]) => ({ extenUser, view }));
}

/** Every station (extension user) that has taken part in the call. */
export function stationsOf(call: Call): string[] {
  return [...indexOf(call.events).stations.keys()].filter((s) => s !== '');
}

/** When the station was last heard of on this call (ms); undefined when it took no part. */
export function lastHeardAt(call: Call, station: string): number | undefined {
  return indexOf(call.events).stations.get(station)?.last.at;
}

/** The call is over at every station (each view ended). */
export function isOver(call: Call): boolean {
  if (call.ended) return true;
  const index = indexOf(call.events);
  // Once answered, every other station's view ends at the answer: it is over when the answerer's is.
  if (call.answered && call.answered.by !== null) {
    const answerer = index.stations.get(call.answered.by);
    return answerer === undefined || answerer.hangup !== undefined;
  }
  return index.hungUp === index.stations.size;
}

/** The console's view of a call still going at some station; null when it is over everywhere. */
export function openView(call: Call, lineName: (did: string) => string): LiveCallView | null {
  const going = [...viewsOf(call, lineName)].filter(([, v]) => v.state !== 'ended');
  if (going.length === 0) return null;
  const stations = going.filter(([user]) => user !== '');
  const states = stations.map(([, v]) => v.state);
  return {
    ...going[0]![1],
    state: states.includes('talking') ? 'talking' : states.includes('hold') ? 'hold' : (states[0] ?? going[0]![1].state),
    answeredBy: null,
    answeredAt: call.answered?.at ?? null,
    answeredByStation: call.answered?.by ?? null,
    stations: stations.map(([extenUser, v]) => ({ extenUser, state: v.state })),
  };
}

export function viewsOf(call: Call, lineName: (did: string) => string): Map<string, CallView> {
  const view = viewBuilder(call, lineName);
  const result = new Map<string, CallView>();
  for (const [station, events] of indexOf(call.events).stations) result.set(station, view(station, events));
  return result;
}

/** Builds station views of the call as it is now, the line's name read once for all. */
function viewBuilder(call: Call, lineName: (did: string) => string): (station: string, events: StationEvents) => CallView {
  const line = call.did ? lineName(call.did) : '';
  const identity = call.identity ?? PENDING;
  const phone = call.phone ? { ...call.phone, withheld: false } : { raw: '', e164: null, local: '', withheld: true };
  return (station, events) => {
    const { state, answeredBy, endedAt } = stateOf(call, events, station);
    return {
      ivrid: call.ivrid,
      direction: call.direction,
      state,
      phone,
      callerName: call.callerName,
      did: call.did,
      startedAt: call.startedAt,
      answeredAt: answeredBy === 'me' ? (call.answered?.at ?? null) : null,
      endedAt,
      cause: events.hangup?.cause || call.cause,
      answeredBy,
      identity,
      line,
    };
  };
}

/** What of a call every station's view reads. */
type Outcome = Pick<Call, 'answered' | 'ended'>;

/** What tells one view of a station from another (sameState): its state, who answered, when it ended. */
type ViewState = Pick<CallView, 'state' | 'answeredBy' | 'endedAt'>;

function stateOf({ answered, ended }: Outcome, events: StationEvents, station: string): ViewState {
  const by = answered?.by ?? null;
  const answeredBy = by === null ? null : by === station ? 'me' : 'other';
  const endedAt = events.hangup?.at ?? ended?.at ?? (answeredBy === 'other' ? (answered?.at ?? null) : null);
  return { state: endedAt !== null ? 'ended' : (STATE_OF_PHASE[events.live?.phase ?? 'ringing'] ?? 'ringing'), answeredBy, endedAt };
}

function sameState(a: ViewState | undefined, b: ViewState): boolean {
  return a !== undefined && a.state === b.state && a.answeredBy === b.answeredBy && a.endedAt === b.endedAt;
}
