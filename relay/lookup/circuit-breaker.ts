import type { CircuitState } from '../../shared/console';

export type { CircuitState };

/**
 * Stops hammering a failing source: after `threshold` failures in a row it opens for `cooldownMs`,
 * then lets one trial through (half-open); a success closes it, a failure opens it again.
 */
export class CircuitBreaker {
  private failures = 0;
  private openUntil = 0;
  private trialRunning = false;

  constructor(
    private readonly threshold: number,
    private readonly cooldownMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  state(): CircuitState {
    if (this.failures < this.threshold) return 'closed';
    return this.now() < this.openUntil ? 'open' : 'half-open';
  }

  /** While open, how long until the trial lookup may go (ms); null when not open. */
  retryInMs(): number | null {
    return this.state() === 'open' ? this.openUntil - this.now() : null;
  }

  /** Whether a lookup may go to the source now. */
  allow(): boolean {
    const state = this.state();
    if (state === 'closed') return true;
    if (state === 'open' || this.trialRunning) return false;
    this.trialRunning = true;
    return true;
  }

  success(): void {
    this.failures = 0;
    this.trialRunning = false;
  }

  /** The lookup ended without telling whether the source is healthy (cut short, or the input's fault). */
  neutral(): void {
    this.trialRunning = false;
  }

  failure(): void {
    this.failures++;
    this.trialRunning = false;
    if (this.failures >= this.threshold) this.openUntil = this.now() + this.cooldownMs;
  }
}
