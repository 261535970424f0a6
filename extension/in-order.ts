import type { SequencedMessage } from '../shared/messages';

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
  /** The last number of the replay a resume asked for (the hello's); 0: none awaited. */
  private replayEnd = 0;

  /** What to process now, in order, after `lastSeq`; and whether to ask the relay to resume. */
  take(message: M, lastSeq: number): { ready: M[]; askResume: boolean } {
    if (message.seq <= lastSeq) return { ready: [], askResume: false };
    if (message.seq > this.runFrom(lastSeq) + 1) {
      this.ahead.set(message.seq, message);
      const askResume = !this.asked;
      this.asked = true;
      return { ready: [], askResume };
    }
    this.ahead.set(message.seq, message);
    // A replay is processed whole, once its last message is here (it comes in one go): a call it
    // shows ending is then known to be over before anything of it would be shown (endedWithin).
    if (this.runFrom(lastSeq) < this.replayEnd) return { ready: [], askResume: false };
    this.replayEnd = 0;
    return { ready: this.drain(lastSeq), askResume: false };
  }

  /**
   * The relay resynced: what waited up to `seq` is processed (in order; the resync's calls follow
   * it), and numbering goes on after `seq`. Returns those messages and the new last number.
   */
  rebase(seq: number, lastSeq: number): { ready: M[]; lastSeq: number } {
    this.replayEnd = 0;
    const before = [...this.ahead.keys()].filter((s) => s <= seq).sort((a, b) => a - b);
    const ready = before.map((s) => this.ahead.get(s)!);
    for (const s of before) this.ahead.delete(s);
    const last = Math.max(lastSeq, seq);
    const after = this.drain(last);
    return { ready: [...ready, ...after], lastSeq: Math.max(last, after.at(-1)?.seq ?? last) };
  }

  /**
   * A new connection: it says where it stands itself (hello); a resume is asked for by its caller,
   * and a replay up to `replayEnd` (the hello's number, when the relay still has them all) awaited.
   */
  reset(resumeAsked: boolean, replayEnd = 0): void {
    this.ahead.clear();
    this.asked = resumeAsked;
    this.replayEnd = replayEnd;
  }

  /** The last number processed or held without a gap after `lastSeq`. */
  private runFrom(lastSeq: number): number {
    let last = lastSeq;
    while (this.ahead.has(last + 1)) last++;
    return last;
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

/**
 * The calls that one of these messages, processed together, ends. Their earlier views are not
 * shown: raised and cleared a moment later, the notification could stay on screen — Chrome on
 * Linux sends the desktop its close before the desktop has answered the show (with no id yet).
 */
export function endedWithin(messages: readonly SequencedMessage[]): ReadonlySet<string> {
  return new Set(messages.flatMap((m) => (m.type === 'call' && m.call.state === 'ended' ? [m.call.ivrid] : [])));
}
