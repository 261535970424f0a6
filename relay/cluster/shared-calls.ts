import type { Redis } from 'ioredis';
import { boundedCache } from '../platform/bounded-cache';
import type { CallEvent, EventOrigin } from '../../shared/call-event';
import type { LiveCallView } from '../../shared/console';
import type { CallView, Identity } from '../../shared/messages';
import type { Phone } from '../../shared/phone';
import type { CallLogStore } from '../calls/call-log-store';
import {
  applyRequest, changedViews, expireStations, newCall, openView, parseIdentity, staleStations, viewsOf,
  type CallRequest, type Expired, type LiveCall, type StaleLimits,
} from '../calls/call-state';
import type { Calls, Recorded } from '../calls/call-tracker';
import type { Logger } from '../platform/log';

/** A call's shared requests are kept this long after its last one (a call still open after 12 hours has lost its hang-up). */
const CALL_TTL_MS = 24 * 3_600_000;
const OPEN_LIMIT_MS = 12 * 3_600_000;

/**
 * When a relay last added to the call's shared list (the request's time, ms); null when Redis has
 * nothing of the call, or nothing that can be read. (A relay back from an outage hands on what it
 * delivered meanwhile only when it is newer: cluster-delivery.ts.)
 */
export async function lastHeard(redis: Redis, ivrid: string): Promise<number | null> {
  const last = await redis.lindex(`call:${ivrid}`, -1);
  if (!last) return null;
  try {
    const now = (JSON.parse(last) as { now?: unknown } | null)?.now;
    return typeof now === 'number' && Number.isFinite(now) ? now : null;
  } catch {
    return null;
  }
}

/** What the relays append to a call's list: a request from Voicenter, or stations ended for lack of news. */
type Shared = ({ t: 'r' } & CallRequest) | { t: 'x'; stations: string[]; now: number; ivrid: string };

/**
 * The calls being handled, shared by every relay: each call is the list of what happened to it
 * (its requests, in the order Redis received them) and every relay works the call out from that
 * list (call-state.ts) — so the Ringing, Answer and Hang-up of one call may each reach another
 * relay, and all agree on what each station sees. The console's floor is every relay's calls.
 *
 * While Redis cannot be reached, requests are applied to what this relay last knew of the call:
 * Voicenter is still answered and the call log still written.
 */
export class SharedCalls implements Calls {
  /** What this relay last worked out of each call (the fallback while Redis is away, and resyncs). */
  private readonly known = boundedCache<string, LiveCall>(20_000);
  private redisAway = false;

  constructor(
    private readonly redis: Redis,
    private readonly log: CallLogStore,
    private readonly lineName: (did: string) => string,
    private readonly logger: Logger,
  ) {}

  async record(event: CallEvent, phone: Phone, format: EventOrigin, now = Date.now()): Promise<Recorded> {
    const request: Shared = { t: 'r', event, phone, format, now };
    const shared = await this.append(event.ivrid, request);
    const call = (shared ? shared.before : this.known.get(event.ivrid)) ?? newCall(event, now);
    if (shared) call.row.identity = shared.identity;
    const before = viewsOf(call, this.lineName);
    const applied = applyRequest(call, request);
    this.known.set(event.ivrid, call);
    const committed = this.log.write({ ...call.row }, applied.logged);
    if (!applied.duplicate) {
      void this.markOpen(call, event.extenUser ? { station: event.extenUser, now } : undefined);
    }
    const changed = applied.duplicate ? [] : changedViews(before, viewsOf(call, this.lineName));
    return { duplicate: applied.duplicate, identity: parseIdentity(call.row.identity), changed, committed };
  }

  async setIdentity(ivrid: string, identity: Identity): Promise<void> {
    const json = JSON.stringify(identity);
    await this.redis.set(`call:${ivrid}:identity`, json, 'PX', CALL_TTL_MS).catch((err: unknown) => this.away(err));
    // What this relay knows of the call is enough for the log: rows merge there (call-log-store.ts).
    const call = this.known.get(ivrid) ?? (await this.read(ivrid));
    if (!call) return;
    call.row.identity = json;
    await this.log.write({ ...call.row }, []);
  }

  async views(ivrid: string): Promise<Map<string, CallView>> {
    const call = this.known.get(ivrid) ?? (await this.read(ivrid).catch(() => undefined));
    return call ? viewsOf(call, this.lineName) : new Map<string, CallView>();
  }

  async stations(ivrid: string): Promise<string[]> {
    // What this relay knows of the call is enough for the log: rows merge there (call-log-store.ts).
    const call = this.known.get(ivrid) ?? (await this.read(ivrid));
    return call ? [...new Set(call.events.map((e) => e.exten_user))].filter((u) => u !== '') : [];
  }

  /** Every relay runs this: a station another relay ended already is not ended twice (call-state's expireStations). */
  async expireStale(now: number, limits: StaleLimits): Promise<Expired[]> {
    const result: Expired[] = [];
    for (const ivrid of await this.openIds(now)) {
      const seen = await this.read(ivrid);
      const stale = seen ? staleStations(seen, now, limits) : [];
      if (stale.length === 0) continue;
      const shared = await this.append(ivrid, { t: 'x', stations: stale, now, ivrid });
      if (!shared?.before) continue;
      const call = shared.before;
      const before = viewsOf(call, this.lineName);
      const logged = expireStations(call, stale, now);
      if (logged.length === 0) continue;
      this.known.set(ivrid, call);
      void this.log.write({ ...call.row }, logged);
      void this.markOpen(call);
      result.push({ ivrid, changed: changedViews(before, viewsOf(call, this.lineName)) });
    }
    return result;
  }

  async openCalls(now = Date.now()): Promise<LiveCallView[]> {
    const result: LiveCallView[] = [];
    for (const ivrid of await this.openIds(now)) {
      const call = await this.read(ivrid);
      const view = call ? openView(call, this.lineName) : null;
      if (view) result.push(view);
      else await this.redis.zrem('calls:open', ivrid).catch(() => 0);
    }
    return result.sort((a, b) => b.startedAt - a.startedAt);
  }

  /** Every relay's calls of this station since `since` (its index in Redis); this relay's own while Redis is away. */
  async recentFor(station: string, since: number): Promise<CallView[]> {
    let calls: LiveCall[];
    try {
      const ivrids = await this.redis.zrangebyscore(`station:${station}`, since, '+inf');
      calls = (await Promise.all(ivrids.map((ivrid) => this.read(ivrid)))).filter((c): c is LiveCall => c !== undefined);
    } catch (err) {
      this.away(err);
      calls = [...this.known.values()].filter((c) => c.events.some((e) => e.exten_user === station && e.received_at >= since));
    }
    return calls
      .sort((a, b) => a.row.started_at - b.row.started_at)
      .map((c) => viewsOf(c, this.lineName).get(station))
      .filter((v): v is CallView => v !== undefined);
  }

  prune(before: number): Promise<number> {
    return this.log.prune(before);
  }

  /**
   * Appends to the call's list and reads it back in one step (MULTI): what came before this entry
   * is the call as it was, whichever relay added it. Null while Redis cannot be reached.
   */
  private async append(ivrid: string, entry: Shared): Promise<{ before: LiveCall | undefined; identity: string | null } | null> {
    const key = `call:${ivrid}`;
    try {
      const results = await this.redis.multi().rpush(key, JSON.stringify(entry)).pexpire(key, CALL_TTL_MS).lrange(key, 0, -1).get(`${key}:identity`).exec();
      const list = results?.[2]?.[1] as string[];
      this.back();
      return { before: this.fold(ivrid, list.slice(0, -1)), identity: (results?.[3]?.[1] as string | null) ?? null };
    } catch (err) {
      this.away(err);
      return null;
    }
  }

  /** The call as the shared list says now; undefined when unknown or Redis is away. */
  private async read(ivrid: string): Promise<LiveCall | undefined> {
    try {
      const [list, identity] = await Promise.all([this.redis.lrange(`call:${ivrid}`, 0, -1), this.redis.get(`call:${ivrid}:identity`)]);
      const call = this.fold(ivrid, list);
      if (call) call.row.identity = identity;
      return call;
    } catch (err) {
      this.away(err);
      return undefined;
    }
  }

  /** Applies a call's shared entries in order; one that cannot be read is logged and left out. */
  private fold(ivrid: string, entries: string[]): LiveCall | undefined {
    let call: LiveCall | undefined;
    for (const text of entries) {
      let entry: Shared;
      try {
        entry = JSON.parse(text) as Shared;
      } catch {
        this.logger.warn({ ivrid }, 'a shared call entry that cannot be read was left out');
        continue;
      }
      if (entry.t === 'r') {
        call ??= newCall(entry.event, entry.now);
        applyRequest(call, entry);
      } else if (entry.t === 'x' && call) {
        expireStations(call, entry.stations, entry.now);
      }
    }
    return call;
  }

  private async openIds(now: number): Promise<string[]> {
    try {
      return await this.redis.zrangebyscore('calls:open', now - OPEN_LIMIT_MS, '+inf');
    } catch (err) {
      this.away(err);
      return [...this.known.values()].filter((c) => openView(c, this.lineName)).map((c) => c.row.ivrid);
    }
  }

  /** The floor's set of open calls, and the station's index of calls (for a resync on any relay), in one round trip. */
  private async markOpen(call: LiveCall, station?: { station: string; now: number }): Promise<void> {
    const going = openView(call, this.lineName) !== null;
    const batch = this.redis.multi();
    if (going) batch.zadd('calls:open', call.row.started_at, call.row.ivrid);
    else batch.zrem('calls:open', call.row.ivrid);
    if (station) {
      const key = `station:${station.station}`;
      batch.zadd(key, station.now, call.row.ivrid).zremrangebyscore(key, '-inf', station.now - CALL_TTL_MS).pexpire(key, CALL_TTL_MS);
    }
    await batch.exec().catch((err: unknown) => this.away(err));
  }

  private away(err: unknown): void {
    if (!this.redisAway) this.logger.error({ err: (err as Error).message }, 'Redis unreachable: calls are worked out from what this relay knows');
    this.redisAway = true;
  }

  private back(): void {
    if (this.redisAway) this.logger.info('Redis is back: calls are shared again');
    this.redisAway = false;
  }
}
