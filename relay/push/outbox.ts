import { randomUUID } from 'node:crypto';
import type { SequencedMessage, Unsequenced } from '../../shared/messages';

interface Kept {
  at: number;
  seq: number;
  /** The message as sent: serialised once, for every socket and any replay (and light on the GC). */
  json: string;
}

/** Messages kept for one agent at most: beyond it the oldest go (a reconnect then resyncs from the call log). */
export const MAX_KEPT_PER_AGENT = 1_000;

/**
 * Numbers every message to an agent (1, 2, 3… per agent) and keeps the recent ones in memory,
 * so that what a reconnecting extension missed can be replayed. Numbers belong to an `epoch`,
 * new at every start of the relay: an extension that sees another epoch knows the relay lost
 * what it had sent, and resynchronises from the call log instead.
 *
 * In memory on purpose: writing each message to SQLite doubled the writes of every pop-up
 * request (see bench/RESULTS.md), and the call log already holds what a resync needs. Bounded
 * by time (each add drops what left the window, and prune() sweeps agents who get nothing new)
 * and by count per agent.
 */
export class Outbox {
  readonly epoch = randomUUID();
  private readonly lastSeq = new Map<number, number>();
  private readonly kept = new Map<number, Kept[]>();
  private total = 0;

  constructor(
    /** How long a message is kept for replay (ms). */
    private readonly windowMs: number,
    private readonly maxPerAgent = MAX_KEPT_PER_AGENT,
  ) {}

  /** The last sequence number given to the agent in this epoch (0 before the first message). */
  last(agentId: number): number {
    return this.lastSeq.get(agentId) ?? 0;
  }

  /** Gives the message the agent's next sequence number and keeps it; returns it serialised. */
  add(agentId: number, message: Unsequenced<SequencedMessage>, now = Date.now()): string {
    const seq = this.last(agentId) + 1;
    const json = JSON.stringify({ ...message, seq } satisfies SequencedMessage);
    this.lastSeq.set(agentId, seq);
    let list = this.kept.get(agentId);
    if (!list) this.kept.set(agentId, (list = []));
    list.push({ at: now, seq, json });
    this.total++;
    this.trim(agentId, list, now - this.windowMs);
    return json;
  }

  /** Messages after `seq` still kept (serialised), oldest first; null when some were already forgotten. */
  since(agentId: number, seq: number): string[] | null {
    const list = this.kept.get(agentId) ?? [];
    const first = list[0]?.seq ?? this.last(agentId) + 1;
    if (seq + 1 < first) return null;
    return list.filter((k) => k.seq > seq).map((k) => k.json);
  }

  /** Forgets every agent's messages that left the window. */
  prune(now = Date.now()): void {
    for (const [agentId, list] of this.kept) this.trim(agentId, list, now - this.windowMs);
  }

  /** Messages kept, all agents together. */
  size(): number {
    return this.total;
  }

  private trim(agentId: number, list: Kept[], before: number): void {
    let drop = Math.max(0, list.length - this.maxPerAgent);
    while (drop < list.length && list[drop]!.at < before) drop++;
    if (drop === 0) return;
    this.total -= drop;
    if (drop === list.length) this.kept.delete(agentId);
    else list.splice(0, drop);
  }
}
