import { SourceError } from './http-fetch';

/**
 * A CRM's own request limits, kept by the source: at most `concurrent` requests at once and
 * `perSecond` started in any second. A burst of calls with an empty cache waits its turn (in
 * order) instead of being refused by the CRM; a lookup whose time runs out while waiting gives
 * up without counting against the source (it is the burst, not the CRM).
 */
export class RequestLimit {
  private running = 0;
  private readonly started: number[] = [];
  private readonly waiting: (() => void)[] = [];
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly concurrent: number,
    private readonly perSecond: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Waits for a turn; returns the release (call it once the request is answered). */
  async acquire(signal: AbortSignal): Promise<() => void> {
    if (this.waiting.length === 0 && this.free()) this.take();
    else {
      // The turn is taken for the waiter (take) before it is woken, in order.
      await new Promise<void>((resolve, reject) => {
        const go = () => {
          signal.removeEventListener('abort', abort);
          resolve();
        };
        const abort = () => {
          const at = this.waiting.indexOf(go);
          if (at >= 0) this.waiting.splice(at, 1);
          reject(new SourceError("timed out waiting for the CRM's request limit", true));
        };
        if (signal.aborted) return abort();
        signal.addEventListener('abort', abort, { once: true });
        this.waiting.push(go);
        this.wake();
      });
    }
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.running--;
      this.wake();
    };
  }

  private take(): void {
    this.running++;
    this.started.push(this.now());
  }

  private free(): boolean {
    const now = this.now();
    while (this.started.length > 0 && now - this.started[0]! >= 1000) this.started.shift();
    return this.running < this.concurrent && this.started.length < this.perSecond;
  }

  /** Lets the waiting go, in order, while there is room; when only the per-second limit holds them, looks again once it allows. */
  private wake(): void {
    while (this.waiting.length > 0 && this.free()) {
      this.take();
      this.waiting.shift()!();
    }
    if (this.waiting.length > 0 && !this.timer && this.running < this.concurrent && this.started.length > 0) {
      this.timer = setTimeout(() => {
        this.timer = undefined;
        this.wake();
      }, Math.max(1, 1000 - (this.now() - this.started[0]!)));
      this.timer.unref?.();
    }
  }
}
