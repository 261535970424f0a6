import type { Redis } from 'ioredis';
import { serverMessageSchema, type SequencedMessage, type Unsequenced } from '../../shared/messages';
import { boundedCache } from '../platform/bounded-cache';
import type { Logger } from '../platform/log';
import { Outbox } from '../push/outbox';
import { isWrongType } from './junk';
import { keys } from './keys';

export type Message = Unsequenced<SequencedMessage>;

/** The calls (and late identities) one relay keeps while Redis is away, to hand on when it is back. */
const MAX_VIEWS = 20_000;

interface View {
  agentId: number;
  message: Message;
  at: number;
}

const ivridOf = (m: Message) => (m.type === 'call' ? m.call.ivrid : m.ivrid);
const viewsKey = keys.away;
/** Calls first, then identities (a late identity applies to its call), each in the order they came. */
const inOrder = (a: View, b: View) => (a.message.type === b.message.type ? a.at - b.at : a.message.type === 'call' ? -1 : 1);

/**
 * One relay's numbering while Redis cannot be reached: an epoch of its own, new each time Redis
 * goes away, so two relays cut off at once never give one agent's messages the same (epoch,
 * number) — an extension that moves from one to the other sees another epoch and resyncs, and
 * never takes one relay's message for the other's. Numbers go on after the last shared number the
 * relay saw; the shared numbering is left as it was (raising it would leave a gap in it for the
 * browsers on other relays, which then wait for numbers that never come). The last view of each
 * call delivered meanwhile is kept, for the browsers on other relays, which did not get it.
 */
export class AwayOutbox {
  readonly outbox: Outbox;
  /** The agents whose sockets on this relay were told this epoch (a hello): their messages are numbered in it. */
  readonly switched = new Set<number>();
  private readonly views = boundedCache<string, View>(MAX_VIEWS);

  constructor(windowMs: number, sharedLast: (agentId: number) => number, inherited?: AwayOutbox) {
    // Redis went away again before what an earlier outage kept was handed on: it is kept on, numbers after its own.
    const before = inherited?.outbox.numbers() ?? new Map<number, number>();
    for (const view of inherited?.kept() ?? []) this.keep(view);
    this.outbox = new Outbox(windowMs, undefined, (agentId) => Math.max(sharedLast(agentId), before.get(agentId) ?? 0));
  }

  get epoch(): string {
    return this.outbox.epoch;
  }

  /** Numbers the message in this relay's epoch and keeps it (for replay here, and the view for later); returns it serialised. */
  add(agentId: number, message: Message, now = Date.now()): string {
    this.keep({ agentId, message, at: now });
    return this.outbox.add(agentId, message, now);
  }

  /** What was kept, in the order to hand it on. */
  kept(): View[] {
    return [...this.views.values()].sort(inOrder);
  }

  /**
   * Redis is back: the kept views are stored by agent for the replay window (one transaction), so
   * that a resync on any relay finds them. Sent at once: commands sent after it on the same
   * connection (the hellos' numbers, the views handed on) see it done. An agent's key of another
   * type is junk: replaced.
   */
  async settle(redis: Redis, windowMs: number, log?: Logger): Promise<void> {
    const agents = [...new Set([...this.views.values()].map((v) => v.agentId))];
    const types = await Promise.all(agents.map((agentId) => redis.type(viewsKey(agentId))));
    const batch = redis.multi();
    agents.forEach((agentId, i) => {
      if (types[i] === 'none' || types[i] === 'hash') return;
      log?.warn({ key: viewsKey(agentId), type: types[i] }, 'views kept while Redis was away, in Redis not a hash: replaced');
      batch.del(viewsKey(agentId));
    });
    for (const { agentId, message, at } of this.views.values()) {
      batch.hset(viewsKey(agentId), `${message.type}:${ivridOf(message)}`, JSON.stringify({ at, m: message }));
      batch.pexpire(viewsKey(agentId), windowMs);
    }
    const results = await batch.exec();
    const failed = results?.find(([err]) => err)?.[0];
    if (!results || failed) throw failed ?? new Error('transaction discarded');
  }

  private keep(view: View): void {
    this.views.set(`${view.agentId}|${view.message.type}|${ivridOf(view.message)}`, view);
  }
}

/**
 * The views relays kept for the agent while Redis was away (AwayOutbox.settle), in the order to
 * send them. All of them, whenever they came: a browser that has messages from after them (from
 * the relay it was on) still missed what the other relays delivered meanwhile. What cannot be
 * read is left out, said once per read.
 */
export async function keptViews(redis: Redis, agentId: number, log: Logger): Promise<Message[]> {
  const stored = await redis.hvals(viewsKey(agentId)).catch((err: unknown) => {
    if (!isWrongType(err)) throw err;
    log.warn({ key: viewsKey(agentId) }, 'views kept while Redis was away, in Redis not a hash: left out');
    return [];
  });
  const views: View[] = [];
  let junk = 0;
  for (const text of stored) {
    const view = readView(text, agentId);
    if (view) views.push(view);
    else junk++;
  }
  if (junk > 0) log.warn({ agentId, junk }, 'views kept while Redis was away that cannot be read were left out');
  return views.sort(inOrder).map((v) => v.message);
}

function readView(text: string, agentId: number): View | null {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return null;
  }
  if (typeof raw !== 'object' || raw === null) return null;
  const { at, m } = raw as { at?: unknown; m?: unknown };
  if (typeof at !== 'number' || !Number.isFinite(at) || typeof m !== 'object' || m === null) return null;
  // Checked as the extension will check it (any number stands in for the one it gets when sent).
  const parsed = serverMessageSchema.safeParse({ ...m, seq: 1 });
  if (!parsed.success || (parsed.data.type !== 'call' && parsed.data.type !== 'identity')) return null;
  const { seq: _seq, ...message } = parsed.data;
  return { agentId, message, at };
}

/**
 * A resync's calls and the views kept while Redis was away, one per call: the call's own view from
 * the shared calls, unless only the kept one has it ended (its hang-up was heard while Redis was away).
 */
export function mergeViews(calls: Message[], kept: Message[]): Message[] {
  const byIvrid = new Map(calls.map((m) => [ivridOf(m), m]));
  const result = [...calls];
  for (const m of kept) {
    const shared = byIvrid.get(ivridOf(m));
    if (m.type === 'identity' || !shared) result.push(m);
    else if (m.call.state === 'ended' && shared.type === 'call' && shared.call.state !== 'ended') result[result.indexOf(shared)] = m;
  }
  return result;
}
