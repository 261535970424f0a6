import type { Redis } from 'ioredis';
import { z } from 'zod';
import { CALL_PHASES, REQUEST_FORMATS, type CallEvent, type Direction, type EventOrigin } from '../../shared/call-event';
import { identitySchema, type Identity } from '../../shared/messages';
import type { Phone } from '../../shared/phone';
import { CALL_LIMITS, type CallRequest } from '../calls/call-state';
import type { Logger } from '../platform/log';
import { JunkLog, isWrongType, readJson } from './junk';
import { keys } from './keys';

/** What the relays append to a call's list: a request from Voicenter, or stations ended for lack of news. */
export type Shared = ({ t: 'r' } & CallRequest) | { t: 'x'; stations: string[]; now: number; ivrid: string };

/** A call's shared requests are kept this long after its last one (a call still open after 12 hours has lost its hang-up). */
export const CALL_TTL_MS = 24 * 3_600_000;
/**
 * Entries of one call read back at most: every event a call may take, and a stale-call ending per
 * station (requests that changed nothing are taken out again, SharedCalls.record).
 */
const MAX_ENTRIES = CALL_LIMITS.events + CALL_LIMITS.stations + 1;
/** Open calls the floor and the stale-call chore read at most. */
const MAX_OPEN = 10_000;
/** Longer than any the relays write (an event's texts are cut to 256 characters; an identity offers at most 10 contacts). */
const MAX_ENTRY_CHARS = 64 * 1024;
const MAX_IDENTITY_CHARS = 256 * 1024;

const ORIGINS = [...REQUEST_FORMATS, 'realtime', 'click2call'] as const;
const DIRECTIONS = ['incoming', 'outgoing', 'unknown'] as const;
// A new origin or direction must be listed above too (this fails to compile until it is), or the entries that carry it would be read as junk.
type None<T extends never> = T;
type _AllOrigins = None<Exclude<EventOrigin, (typeof ORIGINS)[number]>>;
type _AllDirections = None<Exclude<Direction, (typeof DIRECTIONS)[number]>>;

const callEventSchema = z.object({
  ivrid: z.string(),
  extenUser: z.string().nullable(),
  phase: z.enum(CALL_PHASES),
  status: z.string(),
  direction: z.enum(DIRECTIONS),
  phone: z.string(),
  callerName: z.string(),
  originalCallerName: z.string(),
  originalCallerId: z.string(),
  did: z.string(),
  cause: z.string(),
  callStarted: z.number().nullable(),
  callAnswered: z.number().nullable(),
}) satisfies z.ZodType<CallEvent>;

const phoneSchema = z.object({ raw: z.string(), e164: z.string().nullable(), digits: z.string(), local: z.string(), withheld: z.boolean() }) satisfies z.ZodType<Phone>;

/** A call's list entry as the relays write it (JSON.stringify of a Shared). */
const entrySchema = z.discriminatedUnion('t', [
  z.object({ t: z.literal('r'), event: callEventSchema, phone: phoneSchema, format: z.enum(ORIGINS), now: z.number() }),
  z.object({ t: z.literal('x'), stations: z.array(z.string()).max(MAX_ENTRIES), now: z.number(), ivrid: z.string() }),
]) satisfies z.ZodType<Shared>;

/** A caller identity as stored with a call; null when there is none, or it cannot be read. */
export const readIdentity = (text: string | null | undefined): Identity | null => readJson(identitySchema, text, MAX_IDENTITY_CHARS);

/** An entry of call `ivrid`'s list; null when it cannot be read, or is another call's. */
function readEntry(text: string, ivrid: string): Shared | null {
  const entry = readJson(entrySchema, text, MAX_ENTRY_CHARS);
  return entry && (entry.t === 'r' ? entry.event.ivrid : entry.ivrid) === ivrid ? entry : null;
}

/**
 * Appends to the call's list and reads back what came before it, with the caller's identity, in
 * one step: what came before this entry is the call as it was, whichever relay added it. A key of
 * another type is junk: replaced by the list (the call goes on from this entry), before anything
 * is changed. KEYS: the list, the identity; ARGV: the entry, its time to live, the most entries read back.
 */
const APPEND = `
local kind = redis.call('TYPE', KEYS[1]).ok
local replaced = ''
if kind ~= 'none' and kind ~= 'list' then
  redis.call('DEL', KEYS[1])
  replaced = kind
end
local length = redis.call('RPUSH', KEYS[1], ARGV[1])
redis.call('PEXPIRE', KEYS[1], ARGV[2])
local before = {}
if length > 1 then before = redis.call('LRANGE', KEYS[1], 0, math.min(length - 2, tonumber(ARGV[3]) - 1)) end
local identityKind = redis.call('TYPE', KEYS[2]).ok
local identity = false
if identityKind == 'string' then identity = redis.call('GET', KEYS[2]) end
return {before, identity, replaced, identityKind}`;

/**
 * The floor's set of open calls (KEYS[1]), and the station's index of calls (KEYS[2], when given),
 * in one step; either of another type is junk, replaced. ARGV: 1 to add the call (0 to remove it),
 * its start, its ivrid, then the station's time and how long its index is kept. Returns, per key,
 * the type it was replaced from ('' when it was not).
 */
const MARK_OPEN = `
local was = {}
for i = 1, #KEYS do
  local kind = redis.call('TYPE', KEYS[i]).ok
  was[i] = ''
  if kind ~= 'none' and kind ~= 'zset' then
    redis.call('DEL', KEYS[i])
    was[i] = kind
  end
end
if ARGV[1] == '1' then redis.call('ZADD', KEYS[1], ARGV[2], ARGV[3]) else redis.call('ZREM', KEYS[1], ARGV[3]) end
if #KEYS == 2 then
  redis.call('ZADD', KEYS[2], ARGV[4], ARGV[3])
  redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', tonumber(ARGV[4]) - tonumber(ARGV[5]))
  redis.call('PEXPIRE', KEYS[2], ARGV[5])
end
return was`;

/** A call as Redis holds it: its readable entries in order, and its caller when known. */
export interface StoredCall {
  entries: Shared[];
  identity: Identity | null;
}

/**
 * The calls' keys in Redis, read and written; what cannot be read (junk: another type, not JSON,
 * not of the schema, another call's) is left out, said once. Redis refusing or not answering
 * rejects: the caller decides what to do without it.
 */
export class CallStore {
  private readonly junk: JunkLog;

  constructor(private readonly redis: Redis, log: Logger) {
    this.junk = new JunkLog(log);
  }

  /** Appends `entry` to the call's list; resolves to the call as it was before it. */
  async append(ivrid: string, entry: Shared): Promise<StoredCall> {
    const key = keys.call(ivrid);
    const [before, identity, replaced, identityKind] = (await this.redis.eval(APPEND, 2, key, keys.identity(ivrid), JSON.stringify(entry), CALL_TTL_MS, MAX_ENTRIES)) as [string[], string | null, string, string];
    if (replaced) this.junk.now(key, 'a call in Redis that is not a list: replaced, the call goes on from this request', { ivrid, type: replaced });
    return { entries: this.entries(ivrid, before), identity: this.identity(ivrid, identity, identityKind) };
  }

  /** Keeps the caller found for the call, for every relay (as long as the call's list). */
  async setIdentity(ivrid: string, identity: Identity): Promise<void> {
    await this.redis.set(keys.identity(ivrid), JSON.stringify(identity), 'PX', CALL_TTL_MS);
  }

  /** Takes an entry appended (the same entry) out of the call's list again: the newest such one. */
  async withdraw(ivrid: string, entry: Shared): Promise<void> {
    await this.redis.lrem(keys.call(ivrid), -1, JSON.stringify(entry));
  }

  /** The call as its list says now; null when Redis has nothing of it that can be read. */
  async read(ivrid: string): Promise<StoredCall | null> {
    const key = keys.call(ivrid);
    const results = await this.redis.pipeline().lrange(key, 0, MAX_ENTRIES - 1).get(keys.identity(ivrid)).exec();
    const [[listErr, list], [identityErr, identity]] = results as [[Error | null, string[]], [Error | null, string | null]];
    if (listErr) {
      if (!isWrongType(listErr)) throw listErr;
      this.junk.once(key, 'a call in Redis that is not a list: left out until its next request replaces it', { ivrid });
      return null;
    }
    if (identityErr && !isWrongType(identityErr)) throw identityErr;
    const entries = this.entries(ivrid, list);
    return entries.length > 0 ? { entries, identity: this.identity(ivrid, identity, identityErr ? 'not a string' : 'string') } : null;
  }

  /** When a relay last added to the call's list (the entry's time, ms); null when nothing there can be read. */
  async lastHeard(ivrid: string): Promise<number | null> {
    const last = await this.redis.lindex(keys.call(ivrid), -1).catch((err: unknown) => {
      if (isWrongType(err)) return null;
      throw err;
    });
    return last ? (readEntry(last, ivrid)?.now ?? null) : null;
  }

  /** The ivrids in the floor's set of open calls since `from` (oldest first); null when that key is junk. */
  async openIds(from: number): Promise<string[] | null> {
    try {
      return await this.redis.zrangebyscore(keys.openCalls, from, '+inf', 'LIMIT', 0, MAX_OPEN);
    } catch (err) {
      if (!isWrongType(err)) throw err;
      this.junk.once(keys.openCalls, 'calls:open in Redis is not a sorted set: left out until a call changes and replaces it');
      return null;
    }
  }

  /** The ivrids in the station's index since `since`; null when that key is junk. */
  async stationIds(station: string, since: number): Promise<string[] | null> {
    const key = keys.station(station);
    try {
      return await this.redis.zrangebyscore(key, since, '+inf', 'LIMIT', 0, MAX_OPEN);
    } catch (err) {
      if (!isWrongType(err)) throw err;
      this.junk.once(key, "a station's calls in Redis are not a sorted set: left out until its next call replaces them", { station });
      return null;
    }
  }

  /** Adds the call to the floor's open calls (or removes it), and to the station's index when given. */
  async markOpen(ivrid: string, going: { startedAt: number } | null, station?: { station: string; now: number }): Promise<void> {
    const keyList = station ? [keys.openCalls, keys.station(station.station)] : [keys.openCalls];
    const args = [going ? '1' : '0', String(going?.startedAt ?? 0), ivrid, ...(station ? [String(station.now), String(CALL_TTL_MS)] : [])];
    const was = (await this.redis.eval(MARK_OPEN, keyList.length, ...keyList, ...args)) as string[];
    was.forEach((type, i) => {
      if (type) this.junk.now(keyList[i]!, i === 0 ? 'calls:open in Redis is not a sorted set: replaced' : "a station's calls in Redis are not a sorted set: replaced", { type });
    });
  }

  /** Removes an ivrid from the floor's open calls (one that names no call that can be read). */
  forget(ivrid: string): Promise<unknown> {
    return this.redis.zrem(keys.openCalls, ivrid);
  }

  private entries(ivrid: string, texts: string[]): Shared[] {
    const entries: Shared[] = [];
    for (const text of texts) {
      const entry = readEntry(text, ivrid);
      if (entry) entries.push(entry);
    }
    const junk = texts.length - entries.length;
    if (junk > 0) this.junk.once(keys.call(ivrid), 'entries of a call in Redis that cannot be read were left out', { ivrid, junk });
    return entries;
  }

  private identity(ivrid: string, text: string | null, kind: string): Identity | null {
    if (kind === 'none' || (kind === 'string' && text === null)) return null;
    const identity = kind === 'string' ? readIdentity(text) : null;
    if (!identity) this.junk.once(keys.identity(ivrid), "a call's caller identity in Redis that cannot be read was left out: looked up again", { ivrid, type: kind });
    return identity;
  }
}
