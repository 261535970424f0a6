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
 * by time — pruned continuously: every add also forgets, oldest first across all agents, what left
 * the window (a queue in the order messages came), so nothing waits for a periodic sweep — and by
 * count per agent. Each message is kept once, serialised.
 */
export class Outbox {
  readonly epoch = randomUUID();
  private readonly lastSeq = new Map<number, number>();
  private readonly kept = new Map<number, Kept[]>();
  private total = 0;
  /** Which agent got a message when, in the order they came: what to forget next, across agents. */
  private order: { agentId: number; at: number }[] = [];
  private head = 0;

  constructor(
    /** How long a message is kept for replay (ms). */
    private readonly windowMs: number,
    private readonly maxPerAgent = MAX_KEPT_PER_AGENT,
    /** Where an agent's numbers start (after this): 0, or past another numbering (cluster/away-outbox.ts). */
    private readonly after: (agentId: number) => number = () => 0,
  ) {}

  /** The last sequence number given to the agent in this epoch (`after` before the first message). */
  last(agentId: number): number {
    return this.lastSeq.get(agentId) ?? this.after(agentId);
  }

  /** Each agent given a number in this epoch, and its last. */
  numbers(): ReadonlyMap<number, number> {
    return this.lastSeq;
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
    this.order.push({ agentId, at: now });
    this.trim(agentId, list, now - this.windowMs);
    this.forgetOld(now);
    return json;
  }

  /** Forgets, oldest first, what left the window for whichever agent it was sent to. */
  private forgetOld(now: number): void {
    const before = now - this.windowMs;
    while (this.head < this.order.length && this.order[this.head]!.at < before) {
      const { agentId } = this.order[this.head++]!;
      const list = this.kept.get(agentId);
      if (list) this.trim(agentId, list, before);
    }
    // The queue's consumed head is dropped now and then (not on every message).
    if (this.head > 4_096 && this.head * 2 > this.order.length) {
      this.order = this.order.slice(this.head);
      this.head = 0;
    }
  }

  /** Messages after `seq` still kept (serialised), oldest first; null when some were already forgotten. */
  since(agentId: number, seq: number): string[] | null {
    const list = this.kept.get(agentId) ?? [];
    const first = list[0]?.seq ?? this.last(agentId) + 1;
    if (seq + 1 < first) return null;
    return list.filter((k) => k.seq > seq).map((k) => k.json);
  }

  /** Forgets every message that left the window (when no message came for a while to do it). */
  prune(now = Date.now()): void {
    this.forgetOld(now);
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
