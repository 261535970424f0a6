/** How long a call that left memory may still get a request worth reading it back for (the console's open-call limit). */
export const LEFT_MEMORY_WINDOW_MS = 12 * 3_600_000;
/** Calls remembered as "in the log only" at most (~100 bytes each); past it, every unknown call is read back for a while. */
const CAPACITY = 100_000;

/**
 * Which calls the call log may hold that memory does not: those that left memory (over for a
 * while, or pushed out by newer ones) and those the log had when the relay started. A request for
 * any other call is for a call never seen: no database read (a busy relay's reads of new calls
 * were 5 % of its CPU, bench/RESULTS.md, issue 16). A call that left more than LEFT_MEMORY_WINDOW_MS
 * ago is forgotten here: a request for it starts the call again in memory, and the log merges it.
 * Times are the wall clock (Date.now), whatever time a caller records requests at.
 */
export class LeftMemory {
  /** ivrid → when it left memory (ms). */
  private readonly left = new Map<string, number>();
  /**
   * The same, oldest first, as a queue (an entry whose time no longer matches the map's is stale).
   * Not the map's own order: deleting a Map's first entries leaves holes every new iteration
   * walks through again, which made each call slower than the last (bench/RESULTS.md).
   */
  private ids: string[] = [];
  private times: number[] = [];
  private head = 0;
  /** Until then, any call may be in the log: too many to remember left at once. */
  private unsureUntil = 0;

  constructor(private readonly capacity = CAPACITY, private readonly windowMs = LEFT_MEMORY_WINDOW_MS) {}

  /** The calls the log had at start (those of the last window). */
  loaded(ivrids: Iterable<string>): void {
    for (const ivrid of ivrids) this.add(ivrid);
  }

  add(ivrid: string, now = Date.now()): void {
    this.left.set(ivrid, now);
    this.ids.push(ivrid);
    this.times.push(now);
    this.trim(now);
  }

  /** The call is back in memory. */
  back(ivrid: string): void {
    this.left.delete(ivrid);
  }

  /** Whether the log may hold this call (it must be read); false: the relay never saw it. */
  mayHold(ivrid: string, now = Date.now()): boolean {
    return this.left.has(ivrid) || now < this.unsureUntil;
  }

  private trim(now: number): void {
    while (this.head < this.ids.length) {
      const ivrid = this.ids[this.head]!;
      const at = this.times[this.head]!;
      const current = this.left.get(ivrid) === at;
      const old = at < now - this.windowMs;
      if (current && !old && this.left.size <= this.capacity) break;
      // Forgotten while still within the window: no call can be told never seen until it would have aged out.
      if (current && !old) this.unsureUntil = Math.max(this.unsureUntil, at + this.windowMs);
      if (current) this.left.delete(ivrid);
      this.head++;
    }
    if (this.head > 1_024 && this.head * 2 > this.ids.length) {
      this.ids = this.ids.slice(this.head);
      this.times = this.times.slice(this.head);
      this.head = 0;
    }
  }
}
