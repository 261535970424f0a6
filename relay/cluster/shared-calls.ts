import type { Redis } from 'ioredis';
import { boundedCache } from '../platform/bounded-cache';
import type { CallEvent, EventOrigin } from '../../shared/call-event';
import type { LiveCallView } from '../../shared/console';
import type { CallView, Identity } from '../../shared/messages';
import type { Phone } from '../../shared/phone';
import type { Call } from '../calls/call';
import type { CallLogStore } from '../calls/call-log-store';
import {
  applyRequest, changedViews, expireStations, lastHeardAt, newCall, openView, recordRequest, staleStations, stationsOf, viewsOf,
  type Expired, type StaleLimits,
} from '../calls/call-state';
import type { Calls, Recorded } from '../calls/call-tracker';
import type { Logger } from '../platform/log';
import { CallStore, type Shared, type StoredCall } from './call-store';
import { isRefused } from './junk';

const OPEN_LIMIT_MS = 12 * 3_600_000;

/**
 * The calls being handled, shared by every relay: each call is the list of what happened to it
 * (its requests, in the order Redis received them) and every relay works the call out from that
 * list (call-state.ts) — so the Ringing, Answer and Hang-up of one call may each reach another
 * relay, and all agree on what each station sees. The console's floor is every relay's calls.
 * What in Redis cannot be read is left out (CallStore): it costs only itself.
 *
 * While Redis cannot be reached, requests are applied to what this relay last knew of the call:
 * Voicenter is still answered and the call log still written.
 */
export class SharedCalls implements Calls {
  /** What this relay last worked out of each call (the fallback while Redis is away, and resyncs). */
  private readonly known = boundedCache<string, Call>(20_000);
  private readonly store: CallStore;
  private redisAway = false;

  constructor(
    redis: Redis,
    private readonly log: CallLogStore,
    private readonly lineName: (did: string) => string,
    private readonly logger: Logger,
  ) {
    this.store = new CallStore(redis, logger);
  }

  async record(event: CallEvent, phone: Phone, format: EventOrigin, now = Date.now()): Promise<Recorded> {
    const request: Shared = { t: 'r', event, phone, format, now };
    const shared = await this.append(event.ivrid, request);
    const call = (shared ? shared.before : this.known.get(event.ivrid)) ?? newCall(event, now);
    if (shared) call.identity = shared.identity;
    const applied = recordRequest(call, request, this.lineName);
    this.known.set(event.ivrid, call);
    // A request that changed nothing (a retry, one past the call's limits) is taken out of the list
    // again: every relay would work it out the same, and a flood of them would push the call's
    // later requests (its hang-up) past what is read back.
    if (shared && applied.duplicate) this.store.withdraw(event.ivrid, request).catch((err: unknown) => this.failed(err));
    if (applied.refused) return { duplicate: true, identity: call.identity, changed: [], committed: Promise.resolve(), refused: applied.refused };
    const committed = this.log.write(call, applied.logged);
    if (!applied.duplicate) this.markOpen(call, event.extenUser ? { station: event.extenUser, now } : undefined);
    return { duplicate: applied.duplicate, identity: call.identity, changed: applied.changed, committed };
  }

  async setIdentity(ivrid: string, identity: Identity): Promise<void> {
    await this.store.setIdentity(ivrid, identity).catch((err: unknown) => this.failed(err));
    // What this relay knows of the call is enough for the log: rows merge there (call-log-store.ts).
    const call = this.known.get(ivrid) ?? (await this.read(ivrid));
    if (!call) return;
    call.identity = identity;
    await this.log.write(call, []);
  }

  async views(ivrid: string): Promise<Map<string, CallView>> {
    const call = this.known.get(ivrid) ?? (await this.read(ivrid));
    return call ? viewsOf(call, this.lineName) : new Map<string, CallView>();
  }

  async stations(ivrid: string): Promise<string[]> {
    // What this relay knows of the call is enough for the log: rows merge there (call-log-store.ts).
    const call = this.known.get(ivrid) ?? (await this.read(ivrid));
    return call ? stationsOf(call) : [];
  }

  /**
   * Every relay runs this: a station another relay ended already is not ended twice (call-state's
   * expireStations). A call that cannot be worked out is said and left: the others are ended.
   */
  async expireStale(now: number, limits: StaleLimits): Promise<Expired[]> {
    const result: Expired[] = [];
    for (const ivrid of await this.openIds(now)) {
      try {
        const expired = await this.expireOne(ivrid, now, limits);
        if (expired) result.push(expired);
      } catch (err) {
        this.logger.error({ ivrid, err: (err as Error).message }, 'a call with no news could not be ended: the others go on');
      }
    }
    return result;
  }

  async openCalls(now = Date.now()): Promise<LiveCallView[]> {
    const result: LiveCallView[] = [];
    for (const ivrid of await this.openIds(now)) {
      const call = await this.read(ivrid);
      const view = call ? openView(call, this.lineName) : null;
      if (view) result.push(view);
      else await this.store.forget(ivrid).catch(() => 0);
    }
    return result.sort((a, b) => b.startedAt - a.startedAt);
  }

  /** Every relay's calls of this station since `since` (its index in Redis); this relay's own while Redis is away. */
  async recentFor(station: string, since: number): Promise<CallView[]> {
    let calls: Call[] | null = null;
    try {
      const ivrids = await this.store.stationIds(station, since);
      if (ivrids) calls = (await Promise.all(ivrids.map((ivrid) => this.read(ivrid)))).filter((c): c is Call => c !== undefined);
    } catch (err) {
      this.failed(err);
    }
    calls ??= [...this.known.values()].filter((c) => (lastHeardAt(c, station) ?? -Infinity) >= since);
    return calls
      .sort((a, b) => a.startedAt - b.startedAt)
      .map((c) => viewsOf(c, this.lineName).get(station))
      .filter((v): v is CallView => v !== undefined);
  }

  prune(before: number): Promise<number> {
    return this.log.prune(before);
  }

  private async expireOne(ivrid: string, now: number, limits: StaleLimits): Promise<Expired | null> {
    const seen = await this.read(ivrid);
    const stale = seen ? staleStations(seen, now, limits) : [];
    if (stale.length === 0) return null;
    const shared = await this.append(ivrid, { t: 'x', stations: stale, now, ivrid });
    if (!shared?.before) return null;
    const call = shared.before;
    const before = viewsOf(call, this.lineName);
    const logged = expireStations(call, stale, now);
    if (logged.length === 0) return null;
    this.known.set(ivrid, call);
    this.log.write(call, logged).catch((err: unknown) => this.logger.error({ ivrid, err: (err as Error).message }, 'could not write the call log'));
    this.markOpen(call);
    return { ivrid, changed: changedViews(before, viewsOf(call, this.lineName)) };
  }

  /**
   * Appends to the call's list and reads it back in one step: what came before this entry is the
   * call as it was, whichever relay added it. Null while Redis cannot be reached.
   */
  private async append(ivrid: string, entry: Shared): Promise<{ before: Call | undefined; identity: Identity | null } | null> {
    try {
      const stored = await this.store.append(ivrid, entry);
      this.back();
      return { before: this.fold(stored), identity: stored.identity };
    } catch (err) {
      this.failed(err);
      return null;
    }
  }

  /** The call as the shared list says now; undefined when unknown or Redis is away. */
  private async read(ivrid: string): Promise<Call | undefined> {
    try {
      const stored = await this.store.read(ivrid);
      const call = stored ? this.fold(stored) : undefined;
      if (call) call.identity = stored!.identity;
      return call;
    } catch (err) {
      this.failed(err);
      return undefined;
    }
  }

  /** Applies a call's shared entries in order (each one read already: CallStore). */
  private fold({ entries }: StoredCall): Call | undefined {
    let call: Call | undefined;
    for (const entry of entries) {
      if (entry.t === 'r') {
        call ??= newCall(entry.event, entry.now);
        applyRequest(call, entry);
      } else if (call) {
        expireStations(call, entry.stations, entry.now);
      }
    }
    return call;
  }

  private async openIds(now: number): Promise<string[]> {
    try {
      const ids = await this.store.openIds(now - OPEN_LIMIT_MS);
      if (ids) return ids;
    } catch (err) {
      this.failed(err);
    }
    return [...this.known.values()].filter((c) => openView(c, this.lineName)).map((c) => c.ivrid);
  }

  /** The floor's set of open calls, and the station's index of calls (for a resync on any relay), in one round trip. */
  private markOpen(call: Call, station?: { station: string; now: number }): void {
    const going = openView(call, this.lineName) !== null ? { startedAt: call.startedAt } : null;
    this.store.markOpen(call.ivrid, going, station).catch((err: unknown) => this.failed(err));
  }

  /** A command failed: Redis away (said once per outage), or Redis refusing it (said as such). */
  private failed(err: unknown): void {
    if (isRefused(err)) return void this.logger.error({ err: (err as Error).message }, 'Redis refused a command for the shared calls');
    if (!this.redisAway) this.logger.error({ err: (err as Error).message }, 'Redis unreachable: calls are worked out from what this relay knows');
    this.redisAway = true;
  }

  private back(): void {
    if (this.redisAway) this.logger.info('Redis is back: calls are shared again');
    this.redisAway = false;
  }
}
