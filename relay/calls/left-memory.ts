/** Calls remembered as "in the log only" at most (~40 bytes each); past it, every unknown call is read back for a while. */
const CAPACITY = 250_000;

/**
 * A call's id as a 30-bit number (FNV-1a): kept small (no string per call), and a small integer
 * for V8. Two ids with one number only cost a read of the log for the second (it is not there).
 */
function idHash(ivrid: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < ivrid.length; i++) h = Math.imul(h ^ ivrid.charCodeAt(i), 0x01000193);
  return h & 0x3fffffff;
}

/**
 * Which calls the call log may hold that memory does not: those that left memory (over for a
 * while, or pushed out by newer ones) and those the log had when the relay started. A request for
 * any other call is for a call never seen: no database read (a busy relay's reads of new calls
 * were 5 % of its CPU, bench/RESULTS.md, issue 16). A call that left more than `windowMs` ago
 * (the tracker's open-call limit) is forgotten here: a request for it starts the call again in
 * memory, and the log merges it.
 * Times are the wall clock (Date.now), whatever time a caller records requests at.
 */
export class LeftMemory {
  /** Call (its id's number) → its place in the queue. */
  private readonly left = new Map<number, number>();
  /**
   * When each call left, oldest first, with its id's number; a place the map no longer points to is
   * stale. Not the map's own order: deleting a Map's first entries leaves holes every new iteration
   * walks through again, which made each call slower than the last (bench/RESULTS.md).
   */
  private hashes: number[] = [];
  private times: number[] = [];
  /** The queue's first live place, and how many places were dropped from its front. */
  private head = 0;
  private dropped = 0;
  /** Until then, any call may be in the log: too many to remember left at once. */
  private unsureUntil = 0;

  constructor(
    /** How long a call that left memory may still get a request worth reading it back for. */
    private readonly windowMs: number,
    private readonly capacity = CAPACITY,
  ) {}

  /** The calls the log had at start (those of the last window). */
  loaded(ivrids: Iterable<string>): void {
    for (const ivrid of ivrids) this.add(ivrid);
  }

  add(ivrid: string, now = Date.now()): void {
    const hash = idHash(ivrid);
    this.left.set(hash, this.dropped + this.hashes.length);
    this.hashes.push(hash);
    this.times.push(now);
    this.trim(now);
  }

  /** The call is back in memory. */
  back(ivrid: string): void {
    this.left.delete(idHash(ivrid));
  }

  /** Whether the log may hold this call (it must be read); false: the relay never saw it. */
  mayHold(ivrid: string, now = Date.now()): boolean {
    return now < this.unsureUntil || this.left.has(idHash(ivrid));
  }

  private trim(now: number): void {
    while (this.head < this.hashes.length) {
      const hash = this.hashes[this.head]!;
      const at = this.times[this.head]!;
      const current = this.left.get(hash) === this.dropped + this.head;
      const old = at < now - this.windowMs;
      if (current && !old && this.left.size <= this.capacity) break;
      // Forgotten while still within the window: no call can be told never seen until it would have aged out.
      if (current && !old) this.unsureUntil = Math.max(this.unsureUntil, at + this.windowMs);
      if (current) this.left.delete(hash);
      this.head++;
    }
    if (this.head > 1_024 && this.head * 2 > this.hashes.length) {
      this.hashes = this.hashes.slice(this.head);
      this.times = this.times.slice(this.head);
      this.dropped += this.head;
      this.head = 0;
    }
  }
}
