import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { SequencedMessage, Unsequenced } from '../../shared/messages';
import type { Logger } from '../platform/log';
import { COMMAND_TIMEOUT_MS } from './redis';

/** Deliveries every relay reads, newest kept: a relay that lagged this far behind resyncs its agents instead. */
const DELIVERIES_KEPT = 100_000;
const BLOCK_MS = 2_000;

/**
 * One message for one agent, numbered and kept in one step, so numbers and order agree on every
 * relay: KEYS seq:<agent>, out:<agent>, deliveries; ARGV the message without its seq, the agent,
 * the oldest time kept (ms). The seq goes first in the JSON (the message is an object).
 */
const ADD = `
local seq = redis.call('INCR', KEYS[1])
local json = '{"seq":' .. seq .. ',' .. string.sub(ARGV[1], 2)
redis.call('XADD', KEYS[2], 'MINID', '~', ARGV[3], '*', 'seq', seq, 'm', json)
redis.call('PEXPIRE', KEYS[2], ARGV[4])
redis.call('XADD', KEYS[3], 'MAXLEN', '~', ARGV[5], '*', 'a', ARGV[2], 'm', json)
return seq`;

type Fields = string[];
type Entry = [id: string, fields: Fields];

const field = (fields: Fields, name: string) => {
  const at = fields.indexOf(name);
  return at >= 0 && at % 2 === 0 ? fields[at + 1] : undefined;
};

/**
 * The outbox shared by every relay (Redis): each agent's messages numbered once for all relays,
 * kept for the replay window in a stream per agent (trimmed by time), and published on one
 * stream every relay reads, in order — so a Voicenter request on relay A reaches the agent's
 * browser on relay B, and a browser that reconnects to any relay resumes where it stopped.
 */
export class SharedOutbox {
  private constructor(
    private readonly redis: Redis,
    private readonly reader: Redis,
    readonly epoch: string,
    private readonly windowMs: number,
    private readonly log: Logger,
  ) {}

  /** The numbering's epoch is the cluster's, made by the first relay ever to start on this Redis. */
  static async open(redis: Redis, windowMs: number, log: Logger): Promise<SharedOutbox> {
    await redis.set('epoch', randomUUID(), 'NX');
    const epoch = (await redis.get('epoch'))!;
    // Its own connection: a blocking read would hold up every other command.
    const reader = redis.duplicate({ commandTimeout: BLOCK_MS + COMMAND_TIMEOUT_MS });
    reader.on('error', () => undefined);
    await reader.connect();
    return new SharedOutbox(redis, reader, epoch, windowMs, log);
  }

  /** Numbers the message, keeps it and publishes it to every relay; resolves to its number. */
  async add(agentId: number, message: Unsequenced<SequencedMessage>, now = Date.now()): Promise<number> {
    const seq = await this.redis.eval(
      ADD,
      3,
      `seq:${agentId}`,
      `out:${agentId}`,
      'deliveries',
      JSON.stringify(message),
      String(agentId),
      String(now - this.windowMs),
      String(this.windowMs * 2),
      String(DELIVERIES_KEPT),
    );
    return Number(seq);
  }

  /** The agent's last number (0 before the first message, or when what Redis holds is not one). */
  async last(agentId: number): Promise<number> {
    const seq = Number((await this.redis.get(`seq:${agentId}`)) ?? 0);
    return Number.isSafeInteger(seq) && seq >= 0 ? seq : 0;
  }

  /**
   * Messages after `seq` still kept, oldest first; null when some are missing (already forgotten,
   * past the window, or never kept): the extension would wait for them for good, a resync instead.
   */
  async since(agentId: number, seq: number, now = Date.now()): Promise<string[] | null> {
    const [entries, last] = await Promise.all([this.redis.xrange(`out:${agentId}`, `${now - this.windowMs}-0`, '+'), this.last(agentId)]);
    // An entry that is not one of ours (no number, no message) is left out.
    const kept = (entries as Entry[]).map(([, f]) => ({ seq: Number(field(f, 'seq')), json: field(f, 'm') ?? '' })).filter((k) => Number.isSafeInteger(k.seq) && k.json.startsWith('{"seq":'));
    const after = kept.filter((k) => k.seq > seq);
    if (after.some((k, i) => k.seq !== seq + 1 + i) || seq + after.length < last) return null;
    return after.map((k) => k.json);
  }

  /**
   * Reads every relay's deliveries, in order, from now on, handing each to `deliver` (the sockets
   * of this relay). Runs until stop(); while Redis is away it waits and goes on where it stopped.
   */
  start(deliver: (agentId: number, json: string) => void): () => void {
    let stopped = false;
    const loop = async () => {
      let from = '$';
      while (!stopped) {
        try {
          if (from === '$') {
            const newest = (await this.reader.xrevrange('deliveries', '+', '-', 'COUNT', 1)) as Entry[];
            from = newest[0]?.[0] ?? '0-0';
          }
          const read = (await this.reader.xread('COUNT', 1000, 'BLOCK', BLOCK_MS, 'STREAMS', 'deliveries', from));
          for (const [id, fields] of read?.[0]?.[1] ?? []) {
            from = id;
            const agentId = Number(field(fields, 'a'));
            const json = field(fields, 'm');
            // Not one of ours (another program, or a damaged entry): said once and left.
            if (!Number.isSafeInteger(agentId) || !json?.startsWith('{"seq":')) this.log.warn({ id }, 'a delivery in Redis that cannot be read was dropped');
            else deliver(agentId, json);
          }
        } catch (err) {
          if (stopped) return;
          this.log.warn({ err: (err as Error).message }, 'reading deliveries from Redis failed: retrying');
          await new Promise((resolve) => setTimeout(resolve, 1_000));
        }
      }
    };
    void loop();
    return () => {
      stopped = true;
      this.reader.disconnect();
    };
  }
}
