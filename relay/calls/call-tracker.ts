import { LRUCache } from 'lru-cache';
import type { CallEvent, CallPhase, RequestFormat } from '../../shared/call-event';
import type { LiveCallView } from '../../shared/console';
import { PENDING, type CallState, type CallView, type Identity } from '../../shared/messages';
import type { Phone } from '../../shared/phone';
import type { CallLogStore, CallRow, EventRow } from './call-log-store';

export interface Recorded {
  /** The same phase for the same station again (a retry, or one request per ringing station). */
  duplicate: boolean;
  /** The call's identity when a lookup already finished; null when none was started. */
  identity: Identity | null;
  /** Every station whose view of the call changed, with the new view. */
  changed: { extenUser: string; view: CallView }[];
  /** Settles once the request is in the call log (or kept to be written there, its database away). */
  committed: Promise<void>;
}

const STATE_OF_PHASE: Partial<Record<CallPhase, CallState>> = {
  ringing: 'ringing',
  dialing: 'dialing',
  talking: 'talking',
  hold: 'hold',
};

interface LiveCall {
  row: CallRow;
  events: EventRow[];
}

/** The cause of a call the relay ended itself, having heard nothing more from Voicenter. */
export const NO_HANGUP = 'no hang-up received';
/** Calls kept in memory; older ones are read back from the log when a late request comes. */
const LIVE_LIMIT = 20_000;
/** A call still "ringing" after this long lost its hang-up somewhere: the console stops showing it. */
const OPEN_LIMIT_MS = 12 * 3_600_000;

/**
 * The call log, and what each station (extension user) should see of each call. Voicenter
 * sends one request per station and phase; this turns them into per-station views.
 *
 * Calls being handled live in memory, so a request needs no read from the database; every
 * change is written to the log (CallLogStore: group commits on the embedded file, batches on PostgreSQL).
 */
export class CallTracker {
  /** The least recently used call is forgotten first (it is still in the log). */
  private readonly live = new LRUCache<string, LiveCall>({ max: LIVE_LIMIT });
  /** Calls that may still be ringing or talking somewhere (pruned lazily by openCalls()). */
  private readonly open = new Set<string>();

  constructor(
    private readonly log: CallLogStore,
    /** The name a supervisor gave the line (Voicenter's did) a call came in on; '' when none. */
    private readonly lineName: (did: string) => string = () => '',
  ) {}

  /** Records one request; tells whether it was new and which stations must be told what. */
  record(event: CallEvent, phone: Phone, format: RequestFormat, now = Date.now()): Recorded {
    const call = this.load(event.ivrid) ?? this.create(event, now);
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
    const logged = { ...row };
    // Unknown statuses are kept in the log, but change nobody's view.
    const writeEvent = event.phase === 'unknown' || !duplicate;
    const newEvent = { exten_user: station, phase: event.phase, status: event.status, cause: event.cause, format, received_at: now };
    if (duplicate) {
      const committed = this.log.write(logged, writeEvent ? [newEvent] : []);
      return { duplicate, identity: parseIdentity(row.identity), changed: [], committed };
    }
    const before = viewsOf(call, this.lineName);
    this.open.add(event.ivrid);
    call.events.push({ exten_user: station, phase: event.phase, cause: event.cause, received_at: now });
    if (event.phase === 'talking') {
      row.answered_at ??= event.callAnswered ? event.callAnswered * 1000 : now;
      if (row.answered_by === null && station !== '') row.answered_by = station;
    } else if (event.phase === 'hangup') {
      row.cause = event.cause;
      // A hang-up for no station, or for the one that answered, ends the call for everyone.
      if (station === '' || row.answered_by === station) row.ended_at ??= now;
    }
    const saved = { ...row };
    const committed = this.log.write(saved, [newEvent]);
    const changed = [...viewsOf(call, this.lineName)]
      .filter(([user, view]) => user !== '' && !sameView(before.get(user), view))
      .map(([extenUser, view]) => ({ extenUser, view }));
    return { duplicate, identity: parseIdentity(row.identity), changed, committed };
  }

  /** Stores the identity found for a call. */
  setIdentity(ivrid: string, identity: Identity): Promise<void> {
    const call = this.load(ivrid);
    if (!call) return Promise.resolve();
    call.row.identity = JSON.stringify(identity);
    const saved = { ...call.row };
    return this.log.write(saved, []);
  }

  /**
   * Calls still ringing, dialing, talking or on hold at some station, newest first (the
   * console's live view). A call Voicenter never sent a hang-up for leaves after OPEN_LIMIT_MS.
   */
  openCalls(now = Date.now()): LiveCallView[] {
    const result: LiveCallView[] = [];
    for (const ivrid of this.open) {
      const call = this.live.peek(ivrid);
      const views = call && call.row.started_at >= now - OPEN_LIMIT_MS ? [...viewsOf(call, this.lineName)] : [];
      const going = views.filter(([, v]) => v.state !== 'ended');
      if (!call || going.length === 0) {
        this.open.delete(ivrid);
        continue;
      }
      const stations = going.filter(([user]) => user !== '');
      const states = stations.map(([, v]) => v.state);
      result.push({
        ...going[0]![1],
        state: states.includes('talking') ? 'talking' : states.includes('hold') ? 'hold' : (states[0] ?? going[0]![1].state),
        answeredBy: null,
        answeredAt: call.row.answered_at,
        answeredByStation: call.row.answered_by,
        stations: stations.map(([extenUser, v]) => ({ extenUser, state: v.state })),
      });
    }
    return result.sort((a, b) => b.startedAt - a.startedAt);
  }

  /**
   * Ends, as if Voicenter had sent a hang-up, each station of a call that has had no news for too
   * long: still ringing after `ringingMs`, talking or on hold after `talkingMs` (a lost request).
   * The call is then missed unless someone answered it. Returns the views that changed.
   */
  expireStale(now: number, limits: { ringingMs: number; talkingMs: number }): { ivrid: string; changed: { extenUser: string; view: CallView }[] }[] {
    const result: { ivrid: string; changed: { extenUser: string; view: CallView }[] }[] = [];
    for (const ivrid of this.open) {
      const call = this.live.peek(ivrid);
      if (!call) continue;
      const before = viewsOf(call, this.lineName);
      const stale = [...before].filter(([station, view]) => {
        if (station === '' || view.state === 'ended') return false;
        const last = call.events.filter((e) => e.exten_user === station).at(-1)!;
        return now - last.received_at > (view.state === 'ringing' || view.state === 'dialing' ? limits.ringingMs : limits.talkingMs);
      });
      if (stale.length === 0) continue;
      const row = call.row;
      for (const [station] of stale) {
        call.events.push({ exten_user: station, phase: 'hangup', cause: NO_HANGUP, received_at: now });
        if (row.answered_by === station) row.ended_at ??= now;
      }
      row.cause ||= NO_HANGUP;
      row.updated_at = now;
      const saved = { ...row };
      void this.log.write(
        saved,
        stale.map(([station]) => ({ exten_user: station, phase: 'hangup', status: 'NoHangupReceived', cause: NO_HANGUP, format: 'relay', received_at: now })),
      );
      const after = viewsOf(call, this.lineName);
      result.push({ ivrid, changed: stale.map(([extenUser]) => ({ extenUser, view: after.get(extenUser)! })) });
    }
    return result;
  }

  /** Every station (extension user) that has taken part in the call. */
  stations(ivrid: string): string[] {
    const call = this.load(ivrid);
    return call ? [...new Set(call.events.map((e) => e.exten_user))].filter((u) => u !== '') : [];
  }

  /** The current view of a call for each station that took part in it. */
  views(ivrid: string): Map<string, CallView> {
    const call = this.load(ivrid);
    return call ? viewsOf(call, this.lineName) : new Map<string, CallView>();
  }

  /**
   * This station's view of every call it took part in since `since` (ms), oldest first: from the
   * log on the embedded file; from the calls in memory where the log cannot be read at once.
   */
  recentFor(station: string, since: number): CallView[] {
    const ivrids =
      this.log.recentNow?.(station, since) ??
      [...this.live.values()]
        .filter((c) => c.events.some((e) => e.exten_user === station && e.received_at >= since))
        .sort((a, b) => a.row.started_at - b.row.started_at)
        .map((c) => c.row.ivrid);
    return ivrids.map((ivrid) => this.views(ivrid).get(station)).filter((v): v is CallView => v !== undefined);
  }

  /** Deletes calls that started before `before` (the retention window), with their events. */
  prune(before: number): Promise<number> {
    for (const [ivrid, call] of [...this.live.entries()]) if (call.row.started_at < before) this.live.delete(ivrid);
    return this.log.prune(before);
  }

  private load(ivrid: string): LiveCall | undefined {
    let call = this.live.get(ivrid);
    if (call) return call;
    const read = this.log.readNow?.(ivrid);
    if (!read) return undefined;
    call = { row: read.row, events: read.events };
    this.keep(ivrid, call);
    return call;
  }

  private create(event: CallEvent, now: number): LiveCall {
    const call: LiveCall = {
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
    this.keep(event.ivrid, call);
    return call;
  }

  private keep(ivrid: string, call: LiveCall): void {
    this.live.set(ivrid, call);
  }
}

function viewsOf(call: LiveCall, lineName: (did: string) => string): Map<string, CallView> {
  const line = call.row.did ? lineName(call.row.did) : '';
  const result = new Map<string, CallView>();
  for (const station of new Set(call.events.map((e) => e.exten_user))) {
    result.set(station, { ...viewFor(call.row, call.events.filter((e) => e.exten_user === station), station), line });
  }
  return result;
}

const parseIdentity = (json: string | null): Identity | null => (json ? (JSON.parse(json) as Identity) : null);

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
