import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { parseServerMessage, type SequencedMessage, type Unsequenced } from '../../shared/messages';
import type { Logger } from '../platform/log';
import { JunkLog, isWrongType } from './junk';
import { keys } from './keys';
import { COMMAND_TIMEOUT_MS } from './redis';

/** Deliveries every relay reads, newest kept: a relay that lagged this far behind resyncs its agents instead. */
const DELIVERIES_KEPT = 100_000;
const BLOCK_MS = 2_000;
/** Longer than any message the relays write (a call's view, its caller offering at most 10 contacts). */
const MAX_MESSAGE_CHARS = 256 * 1024;

/**
 * One message for one agent, numbered and kept in one step, so numbers and order agree on every
 * relay: KEYS seq:<agent>, out:<agent>, deliveries; ARGV the message without its seq, the agent,
 * the oldest time kept (ms), the replay's time to live, the deliveries kept, and the highest
 * number this relay has seen for the agent. The seq goes first in the JSON (the message is an
 * object). Every key's type is checked before anything changes: one of another type (or a number
 * that is not one) is junk, replaced — the numbering going on after the last number kept or seen,
 * never one a browser has already — and named in the answer: {seq, seq was, out was, deliveries was}.
 */
const ADD = `
local seqKind = redis.call('TYPE', KEYS[1]).ok
local seqText = seqKind == 'string' and redis.call('GET', KEYS[1])
local outKind = redis.call('TYPE', KEYS[2]).ok
local deliveriesKind = redis.call('TYPE', KEYS[3]).ok
local was = {'', '', ''}
if outKind ~= 'none' and outKind ~= 'stream' then
  redis.call('DEL', KEYS[2])
  was[2] = outKind
end
if deliveriesKind ~= 'none' and deliveriesKind ~= 'stream' then
  redis.call('DEL', KEYS[3])
  was[3] = deliveriesKind
end
if seqKind ~= 'none' and not (seqText and #seqText <= 15 and string.match(seqText, '^%d+$')) then
  local from = tonumber(ARGV[6]) or 0
  if outKind == 'stream' then
    local newest = redis.call('XREVRANGE', KEYS[2], '+', '-', 'COUNT', 1)[1]
    local fields = newest and newest[2] or {}
    for i = 1, #fields - 1, 2 do
      if fields[i] == 'seq' then from = math.max(from, tonumber(fields[i + 1]) or 0) end
    end
  end
  redis.call('SET', KEYS[1], string.format('%d', from))
  was[1] = seqKind == 'string' and 'not a number' or seqKind
end
local seq = redis.call('INCR', KEYS[1])
local json = '{"seq":' .. seq .. ',' .. string.sub(ARGV[1], 2)
redis.call('XADD', KEYS[2], 'MINID', '~', ARGV[3], '*', 'seq', seq, 'm', json)
redis.call('PEXPIRE', KEYS[2], ARGV[4])
redis.call('XADD', KEYS[3], 'MAXLEN', '~', ARGV[5], '*', 'a', ARGV[2], 'm', json)
return {seq, was[1], was[2], was[3]}`;

/** The cluster's epoch, made by the first relay to start; one that is not an epoch (junk) is replaced. {epoch, type replaced}. */
const EPOCH = `
local kind = redis.call('TYPE', KEYS[1]).ok
if kind == 'string' then
  local epoch = redis.call('GET', KEYS[1])
  if #epoch <= 64 and string.match(epoch, '^[%w-]+$') then return {epoch, ''} end
end
redis.call('SET', KEYS[1], ARGV[1])
return {ARGV[1], kind == 'none' and '' or kind}`;

const REPLACED = [
  "an agent's message number in Redis is not a number: replaced, numbering goes on after the last kept or seen",
  "an agent's messages kept for replay in Redis are not a stream: replaced (a browser resuming from before resyncs)",
  'deliveries in Redis is not a stream: replaced',
];

type Fields = string[];
type Entry = [id: string, fields: Fields];

const field = (fields: Fields, name: string) => {
  const at = fields.indexOf(name);
  return at >= 0 && at % 2 === 0 ? fields[at + 1] : undefined;
};

/** The number of a message the relays wrote (checked as the extension checks it); null for anything else. */
function numbered(json: string | undefined): number | null {
  if (json === undefined || json.length > MAX_MESSAGE_CHARS) return null;
  const message = parseServerMessage(json);
  return message && (message.type === 'call' || message.type === 'identity') ? message.seq : null;
}

/**
 * The outbox shared by every relay (Redis): each agent's messages numbered once for all relays,
 * kept for the replay window in a stream per agent (trimmed by time), and published on one
 * stream every relay reads, in order — so a Voicenter request on relay A reaches the agent's
 * browser on relay B, and a browser that reconnects to any relay resumes where it stopped.
 * What is read back is checked as the extension checks it: junk never reaches a browser.
 */
export class SharedOutbox {
  private readonly junk: JunkLog;

  private constructor(
    private readonly redis: Redis,
    private readonly reader: Redis,
    readonly epoch: string,
    private readonly windowMs: number,
    private readonly log: Logger,
  ) {
    this.junk = new JunkLog(log);
  }

  /** The numbering's epoch is the cluster's, made by the first relay ever to start on this Redis. */
  static async open(redis: Redis, windowMs: number, log: Logger): Promise<SharedOutbox> {
    const [epoch, was] = (await redis.eval(EPOCH, 1, keys.epoch, randomUUID())) as [string, string];
    if (was) new JunkLog(log).now(keys.epoch, "the numbering's epoch in Redis is not one: replaced (every browser resyncs once)", { type: was });
    // Its own connection: a blocking read would hold up every other command.
    const reader = redis.duplicate({ commandTimeout: BLOCK_MS + COMMAND_TIMEOUT_MS });
    reader.on('error', () => undefined);
    await reader.connect();
    return new SharedOutbox(redis, reader, epoch, windowMs, log);
  }

  /** Numbers the message, keeps it and publishes it to every relay; resolves to its number. `seen`: the highest number this relay knows for the agent. */
  async add(agentId: number, message: Unsequenced<SequencedMessage>, seen = 0, now = Date.now()): Promise<number> {
    const names = [keys.seq(agentId), keys.out(agentId), keys.deliveries];
    const [seq, ...was] = (await this.redis.eval(
      ADD,
      3,
      ...names,
      JSON.stringify(message),
      String(agentId),
      String(now - this.windowMs),
      String(this.windowMs * 2),
      String(DELIVERIES_KEPT),
      String(seen),
    )) as [number, string, string, string];
    was.forEach((type, i) => {
      if (type) this.junk.now(names[i]!, REPLACED[i]!, { agentId, type });
    });
    return Number(seq);
  }

  /** The agent's last number (0 before the first message, or when what Redis holds is not one: the next message replaces it). */
  async last(agentId: number): Promise<number> {
    const text = await this.redis.get(keys.seq(agentId)).catch((err: unknown) => {
      if (isWrongType(err)) return null;
      throw err;
    });
    const seq = Number(text ?? 0);
    return Number.isSafeInteger(seq) && seq >= 0 ? seq : 0;
  }

  /**
   * Messages after `seq` still kept, oldest first; null when some are missing (already forgotten,
   * past the window, never kept, or junk): the extension would wait for them for good, a resync instead.
   */
  async since(agentId: number, seq: number, now = Date.now()): Promise<string[] | null> {
    const key = keys.out(agentId);
    let entries: Entry[];
    try {
      entries = await this.redis.xrange(key, `${now - this.windowMs}-0`, '+');
    } catch (err) {
      if (!isWrongType(err)) throw err;
      this.junk.once(key, "an agent's messages kept for replay in Redis are not a stream: a resync instead", { agentId });
      return null;
    }
    const last = await this.last(agentId);
    // An entry that is not one of ours (no number, no message, or the two disagreeing) is left out.
    const kept = entries.map(([, f]) => ({ seq: Number(field(f, 'seq')), json: field(f, 'm') ?? '' })).filter((k) => numbered(k.json) === k.seq);
    if (kept.length < entries.length) this.junk.once(key, "entries of an agent's replay in Redis that cannot be read were left out", { agentId, junk: entries.length - kept.length });
    const after = kept.filter((k) => k.seq > seq);
    if (after.some((k, i) => k.seq !== seq + 1 + i) || seq + after.length < last) return null;
    return after.map((k) => k.json);
  }

  /**
   * Reads every relay's deliveries, in order, from now on, handing each to `deliver` (the sockets
   * of this relay) with its number. Runs until stop(); while Redis is away it waits and goes on
   * where it stopped. An entry that is not a message the relays wrote is dropped, and said.
   */
  start(deliver: (agentId: number, json: string, seq: number) => void): () => void {
    let stopped = false;
    let failing = false;
    const loop = async () => {
      let from = '$';
      while (!stopped) {
        try {
          if (from === '$') {
            const newest = (await this.reader.xrevrange(keys.deliveries, '+', '-', 'COUNT', 1)) as Entry[];
            from = newest[0]?.[0] ?? '0-0';
          }
          const read = await this.reader.xread('COUNT', 1000, 'BLOCK', BLOCK_MS, 'STREAMS', keys.deliveries, from);
          failing = false;
          for (const [id, fields] of read?.[0]?.[1] ?? []) {
            from = id;
            this.hand(id, fields, deliver);
          }
        } catch (err) {
          if (stopped) return;
          // Junk in its place: once a message replaces it, the new stream is read from its start.
          if (isWrongType(err)) from = '0-0';
          if (!failing) this.log.warn({ err: (err as Error).message }, isWrongType(err) ? 'deliveries in Redis is not a stream: read again once a message replaces it' : 'reading deliveries from Redis failed: retrying');
          failing = true;
          await new Promise((resolve) => setTimeout(resolve, 1_000));
        }
      }
    };
    loop().catch((err: unknown) => this.log.error({ err: (err as Error).message }, 'reading deliveries from Redis stopped'));
    return () => {
      stopped = true;
      this.reader.disconnect();
    };
  }

  private hand(id: string, fields: Fields, deliver: (agentId: number, json: string, seq: number) => void): void {
    const agentId = Number(field(fields, 'a'));
    const json = field(fields, 'm');
    const seq = numbered(json);
    if (!Number.isSafeInteger(agentId) || agentId <= 0 || seq === null) this.junk.now(keys.deliveries, 'a delivery in Redis that cannot be read was dropped', { id });
    else deliver(agentId, json!, seq);
  }
}
