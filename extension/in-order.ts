/**
 * Messages processed strictly in their numbers' order, as the relay numbered them for this agent.
 * One that comes ahead of a missing one (a replay still on its way, or a message lost between
 * relays) waits until the gap is filled — processing it first would make the missing one look old
 * and be dropped. A gap asks the relay once to resume from the last processed number; a resync
 * says from which number on the relay starts afresh.
 */
export class InOrder<M extends { seq: number }> {
  private readonly ahead = new Map<number, M>();
  private asked = false;

  /** What to process now, in order, after `lastSeq`; and whether to ask the relay to resume. */
  take(message: M, lastSeq: number): { ready: M[]; askResume: boolean } {
    if (message.seq <= lastSeq) return { ready: [], askResume: false };
    if (message.seq > lastSeq + 1) {
      this.ahead.set(message.seq, message);
      const askResume = !this.asked;
      this.asked = true;
      return { ready: [], askResume };
    }
    return { ready: [message, ...this.drain(message.seq)], askResume: false };
  }

  /**
   * The relay resynced: what waited up to `seq` is processed (in order; the resync's calls follow
   * it), and numbering goes on after `seq`. Returns those messages and the new last number.
   */
  rebase(seq: number, lastSeq: number): { ready: M[]; lastSeq: number } {
    const before = [...this.ahead.keys()].filter((s) => s <= seq).sort((a, b) => a - b);
    const ready = before.map((s) => this.ahead.get(s)!);
    for (const s of before) this.ahead.delete(s);
    const last = Math.max(lastSeq, seq);
    const after = this.drain(last);
    return { ready: [...ready, ...after], lastSeq: Math.max(last, after.at(-1)?.seq ?? last) };
  }

  /** A new connection: it says where it stands itself (hello); a resume is asked for by its caller. */
  reset(resumeAsked: boolean): void {
    this.ahead.clear();
    this.asked = resumeAsked;
  }

  private drain(from: number): M[] {
    const ready: M[] = [];
    for (let next = from + 1; this.ahead.has(next); next++) {
      ready.push(this.ahead.get(next)!);
      this.ahead.delete(next);
    }
    for (const s of this.ahead.keys()) if (s <= from + ready.length) this.ahead.delete(s);
    if (this.ahead.size === 0) this.asked = false;
    return ready;
  }
}
