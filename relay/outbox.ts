import { randomUUID } from 'node:crypto';
import type { SequencedMessage, Unsequenced } from '../shared/messages';

interface Kept {
  at: number;
  seq: number;
  /** The message as sent: serialised once, for every socket and any replay (and light on the GC). */
  json: string;
}

/**
 * Numbers every message to an agent (1, 2, 3… per agent) and keeps the recent ones in memory,
 * so that what a reconnecting extension missed can be replayed. Numbers belong to an `epoch`,
 * new at every start of the relay: an extension that sees another epoch knows the relay lost
 * what it had sent, and resynchronises from the call log instead.
 *
 * In memory on purpose: writing each message to SQLite doubled the writes of every pop-up
 * request (see bench/RESULTS.md), and the call log already holds what a resync needs.
 */
export class Outbox {
  readonly epoch = randomUUID();
  private readonly lastSeq = new Map<number, number>();
  private readonly kept = new Map<number, Kept[]>();

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
    return json;
  }

  /** Messages after `seq` still kept (serialised), oldest first; null when some were already forgotten. */
  since(agentId: number, seq: number): string[] | null {
    const list = this.kept.get(agentId) ?? [];
    const first = list[0]?.seq ?? this.last(agentId) + 1;
    if (seq + 1 < first) return null;
    return list.filter((k) => k.seq > seq).map((k) => k.json);
  }

  /** Forgets messages older than `before`. */
  prune(before: number): void {
    for (const [agentId, list] of this.kept) {
      const keep = list.findIndex((k) => k.at >= before);
      if (keep === -1) this.kept.delete(agentId);
      else if (keep > 0) list.splice(0, keep);
    }
  }
}
