import type { SequencedMessage, Unsequenced } from '../shared/messages';
import type { DB } from './db';

/**
 * Numbers every message to an agent (1, 2, 3… per agent, never reused, across restarts) and
 * keeps it in the outbox, so that what a reconnecting extension missed can be replayed.
 */
export class Outbox {
  private readonly lastSeq = new Map<number, number>();
  private readonly readSeq;
  private readonly writeSeq;
  private readonly insert;

  constructor(private readonly db: DB) {
    this.readSeq = db.prepare<[number], { last_seq: number }>('SELECT last_seq FROM agents WHERE id = ?');
    this.writeSeq = db.prepare('UPDATE agents SET last_seq = ? WHERE id = ?');
    this.insert = db.prepare('INSERT INTO outbox (agent_id, seq, created_at, message) VALUES (?, ?, ?, ?)');
  }

  /** The last sequence number given to the agent (0 before the first message). */
  last(agentId: number): number {
    let seq = this.lastSeq.get(agentId);
    if (seq === undefined) {
      seq = this.readSeq.get(agentId)?.last_seq ?? 0;
      this.lastSeq.set(agentId, seq);
    }
    return seq;
  }

  /** Gives the message the agent's next sequence number and keeps it. */
  add(agentId: number, message: Unsequenced<SequencedMessage>, now = Date.now()): SequencedMessage {
    const seq = this.last(agentId) + 1;
    const sequenced = { ...message, seq } as SequencedMessage;
    this.db.transaction(() => {
      this.insert.run(agentId, seq, now, JSON.stringify(sequenced));
      this.writeSeq.run(seq, agentId);
    })();
    this.lastSeq.set(agentId, seq);
    return sequenced;
  }

  /** Messages after `seq` still in the outbox, oldest first. */
  since(agentId: number, seq: number): SequencedMessage[] {
    return this.db
      .prepare<[number, number], { message: string }>('SELECT message FROM outbox WHERE agent_id = ? AND seq > ? ORDER BY seq')
      .all(agentId, seq)
      .map((r) => JSON.parse(r.message) as SequencedMessage);
  }

  /** Forgets messages older than `before`; agents removed meanwhile lose theirs too. */
  prune(before: number): void {
    this.db.prepare('DELETE FROM outbox WHERE created_at < ? OR agent_id NOT IN (SELECT id FROM agents)').run(before);
    this.lastSeq.clear();
  }
}
