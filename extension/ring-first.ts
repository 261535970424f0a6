import type { CallView, ServerMessage } from '../shared/messages';
import { showCall } from './notify';
import { knownPreferences, type Preferences } from './preferences';

/**
 * A new call's notification raised the moment its message arrives, ahead of the bookkeeping of
 * earlier messages still in the worker's queue (history, missed count, storage writes: a ringing
 * call right after another's hang-up waited ~13 ms for them, bench/RESULTS.md). Only
 * when it is safe to: the message is the next in number order (nothing missing before it: the
 * message order's own count, message-order.ts), the
 * call is not on screen already, and the agent's settings are known. Everything else — and the
 * same message too, for its bookkeeping — goes through the queue as before.
 */
export class RingFirst {
  /** Calls on screen or being handled in this worker's lifetime (not ended). */
  private readonly live = new Set<string>();
  /** Views raised early, and whether that worked, for the queue to know (the same object arrives there). */
  private readonly raised = new WeakMap<CallView, Promise<boolean>>();

  /** `settings`: the agent's, as last read without a storage round trip; null: not known yet (then never early). */
  constructor(private readonly settings: () => Preferences | null = knownPreferences) {}

  /** The calls live at the worker's start. */
  liveCalls(ivrids: Iterable<string>): void {
    for (const ivrid of ivrids) this.live.add(ivrid);
  }

  /** A message as it arrives, before the queue; `next`: it is the next in number order (MessageOrder.arrived). */
  arrived(message: ServerMessage, next: boolean): void {
    const settings = this.settings();
    if (!next || message.type !== 'call' || message.call.state !== 'ringing' || !settings) return;
    const call = message.call;
    if (this.live.has(call.ivrid)) return;
    this.live.add(call.ivrid);
    const shown = showCall(call, false, settings).then(
      () => true,
      (err: unknown) => (console.error('could not raise the notification', err), false),
    );
    this.raised.set(call, shown);
  }

  /** The queue reached this view: true once it is on screen (raised early), nothing left to show. */
  async handled(call: CallView): Promise<boolean> {
    if (call.state === 'ended') this.live.delete(call.ivrid);
    else this.live.add(call.ivrid);
    return (await this.raised.get(call)) ?? false;
  }

  /** Signed out: nothing is known any more. */
  reset(): void {
    this.live.clear();
  }
}
