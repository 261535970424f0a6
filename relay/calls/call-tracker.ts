import type { CallEvent, EventOrigin } from '../../shared/call-event';
import type { LiveCallView } from '../../shared/console';
import type { CallView, Identity } from '../../shared/messages';
import type { Phone } from '../../shared/phone';
import type { Call } from './call';
import type { CallLogStore } from './call-log-store';
import { boundedCache } from '../platform/bounded-cache';
import { LeftMemory } from './left-memory';
import {
  expireStations, isOver, lastHeardAt, newCall, openView, recordRequest, stationsOf, staleStations, viewsOf,
  type CallLimit, type Expired, type StaleLimits,
} from './call-state';

export interface Recorded {
  /** The same phase for the same station again (a retry, or one request per ringing station). */
  duplicate: boolean;
  /** The call's identity when a lookup already finished; null when none was started. */
  identity: Identity | null;
  /** Every station whose view of the call changed, with the new view. */
  changed: { extenUser: string; view: CallView }[];
  /** Settles once the request is in the call log (or kept to be written there, its database away). */
  committed: Promise<void>;
  /** The call is at this limit (call-state.ts, CALL_LIMITS): the request changed nothing and was not logged. */
  refused?: CallLimit;
}

/** Calls kept in memory; older ones are read back from the log when a late request comes. */
const LIVE_LIMIT = 20_000;
/** A call over at every station stays in memory this long (a late request, a resync), then only in the log. */
const ENDED_IN_MEMORY_MS = 5 * 60_000;
/**
 * A call still "ringing" after this long lost its hang-up somewhere: the console stops showing it,
 * and a request for one that left memory longer ago starts it again (LeftMemory).
 */
const OPEN_LIMIT_MS = 12 * 3_600_000;

/**
 * What the call flow, the console and the push room need of the calls being handled: one relay
 * keeps them in memory (CallTracker); several share them through Redis (relay/cluster/shared-calls.ts).
 * Every answer is a promise, whichever holds the calls: callers are written once for both. (One
 * relay's work is done when the method is called, before it returns: requests are applied in the
 * order they came.)
 */
export interface Calls {
  record(event: CallEvent, phone: Phone, format: EventOrigin, now?: number): Promise<Recorded>;
  setIdentity(ivrid: string, identity: Identity): Promise<void>;
  stations(ivrid: string): Promise<string[]>;
  expireStale(now: number, limits: StaleLimits): Promise<Expired[]>;
  openCalls(now?: number): Promise<LiveCallView[]>;
  /** A station's view of the calls it took part in since `since`, oldest first (a resync). */
  recentFor(station: string, since: number): Promise<CallView[]>;
  /** Each station's view of one call (none when it is not known). */
  views(ivrid: string): Promise<Map<string, CallView>>;
  prune(before: number): Promise<number>;
}

/**
 * The call log, and what each station (extension user) should see of each call. Voicenter
 * sends one request per station and phase; this turns them into per-station views.
 *
 * Calls being handled live in memory, so a request needs no read from the database; every
 * change is written to the log (CallLogStore: group commits on the embedded file, batches on PostgreSQL).
 */
export class CallTracker implements Calls {
  /** Calls the log may hold that memory does not: any other request is for a call never seen (no read). */
  private readonly leftMemory = new LeftMemory(OPEN_LIMIT_MS);
  /** The least recently used call is forgotten first (it is still in the log). */
  private readonly live = boundedCache<string, Call>(LIVE_LIMIT, {
    dispose: (_call, ivrid, reason) => {
      if (reason === 'evict' || reason === 'expire') this.leftMemory.add(ivrid);
    },
  });
  /** Calls that may still be ringing or talking somewhere (pruned lazily by openCalls()). */
  private readonly open = new Set<string>();

  constructor(
    private readonly log: CallLogStore,
    /** The name a supervisor gave the line (Voicenter's did) a call came in on; '' when none. */
    private readonly lineName: (did: string) => string = () => '',
    private readonly endedInMemoryMs = ENDED_IN_MEMORY_MS,
  ) {
    this.leftMemory.loaded(log.startedSinceNow?.(Date.now() - OPEN_LIMIT_MS) ?? []);
  }

  /** Calls held in memory now (metrics, tests). */
  inMemory(): number {
    return this.live.size;
  }

  /** Records one request; tells whether it was new and which stations must be told what. */
  record(event: CallEvent, phone: Phone, format: EventOrigin, now = Date.now()): Promise<Recorded> {
    const known = this.load(event.ivrid, this.leftMemory.mayHold(event.ivrid));
    const call = known ?? newCall(event, now);
    const applied = recordRequest(call, { event, phone, format, now }, this.lineName);
    const identity = call.identity;
    if (applied.refused) return Promise.resolve({ duplicate: true, identity, changed: [], committed: Promise.resolve(), refused: applied.refused });
    if (!applied.duplicate) this.open.add(event.ivrid);
    const committed = this.log.write(call, applied.logged);
    if (!applied.duplicate || !known) this.remember(event.ivrid, call);
    return Promise.resolve({ duplicate: applied.duplicate, identity, changed: applied.changed, committed });
  }

  /** Stores the identity found for a call. */
  setIdentity(ivrid: string, identity: Identity): Promise<void> {
    const call = this.load(ivrid);
    if (!call) return Promise.resolve();
    call.identity = identity;
    return this.log.write(call, []);
  }

  /**
   * Calls still ringing, dialing, talking or on hold at some station, newest first (the
   * console's live view). A call Voicenter never sent a hang-up for leaves after OPEN_LIMIT_MS.
   */
  openCalls(now = Date.now()): Promise<LiveCallView[]> {
    const result: LiveCallView[] = [];
    for (const ivrid of this.open) {
      const call = this.live.peek(ivrid);
      const view = call && call.startedAt >= now - OPEN_LIMIT_MS ? openView(call, this.lineName) : null;
      if (view) result.push(view);
      else this.open.delete(ivrid);
    }
    return Promise.resolve(result.sort((a, b) => b.startedAt - a.startedAt));
  }

  /**
   * Ends, as if Voicenter had sent a hang-up, each station of a call that has had no news for too
   * long: still ringing after `ringingMs`, talking or on hold after `talkingMs` (a lost request).
   * The call is then missed unless someone answered it. Returns the views that changed.
   */
  expireStale(now: number, limits: StaleLimits): Promise<Expired[]> {
    // (The same chore lets calls over for a while leave memory: they stay in the log.)
    this.live.purgeStale();
    const result: Expired[] = [];
    for (const ivrid of this.open) {
      const call = this.live.peek(ivrid);
      if (!call) continue;
      const stale = staleStations(call, now, limits);
      if (stale.length === 0) continue;
      const logged = expireStations(call, stale, now);
      const written = this.log.write(call, logged);
      const after = viewsOf(call, this.lineName);
      result.push({ ivrid, written, changed: stale.map((extenUser) => ({ extenUser, view: after.get(extenUser)! })) });
    }
    return Promise.resolve(result);
  }

  /** Every station (extension user) that has taken part in the call. */
  stations(ivrid: string): Promise<string[]> {
    const call = this.load(ivrid);
    return Promise.resolve(call ? stationsOf(call) : []);
  }

  /** The current view of a call for each station that took part in it. */
  views(ivrid: string): Promise<Map<string, CallView>> {
    return Promise.resolve(this.viewsNow(ivrid));
  }

  /**
   * This station's view of every call it took part in since `since` (ms), oldest first: from the
   * log on the embedded file; from the calls in memory where the log cannot be read at once.
   */
  recentFor(station: string, since: number): Promise<CallView[]> {
    const ivrids =
      this.log.recentNow?.(station, since) ??
      [...this.live.values()]
        .filter((c) => (lastHeardAt(c, station) ?? -Infinity) >= since)
        .sort((a, b) => a.startedAt - b.startedAt)
        .map((c) => c.ivrid);
    return Promise.resolve(ivrids.map((ivrid) => this.viewsNow(ivrid).get(station)).filter((v): v is CallView => v !== undefined));
  }

  /** Deletes calls that started before `before` (the retention window), with their events. */
  prune(before: number): Promise<number> {
    for (const [ivrid, call] of [...this.live.entries()]) if (call.startedAt < before) this.live.delete(ivrid);
    return this.log.prune(before);
  }

  private viewsNow(ivrid: string): Map<string, CallView> {
    const call = this.load(ivrid);
    return call ? viewsOf(call, this.lineName) : new Map<string, CallView>();
  }

  /** A call from memory, else read back from the log (unless `readBack` is false: a call the log cannot hold). */
  private load(ivrid: string, readBack = true): Call | undefined {
    let call = this.live.get(ivrid);
    if (call || !readBack) return call;
    call = this.log.readNow?.(ivrid);
    if (!call) return undefined;
    this.leftMemory.back(ivrid);
    this.remember(ivrid, call);
    return call;
  }

  /** Keeps a call in memory, bounded by time as well as count: a call over everywhere leaves a while later (it stays in the log). */
  private remember(ivrid: string, call: Call): void {
    this.live.set(ivrid, call, { ttl: isOver(call) ? this.endedInMemoryMs : 0 });
  }
}

