import type { CallView, ServerMessage } from '../shared/messages';
import { showCall } from './notify';
import type { Preferences } from './storage';

/**
 * A new call's notification raised the moment its message arrives, ahead of the bookkeeping of
 * earlier messages still in the worker's queue (history, missed count, storage writes: a ringing
 * call right after another's hang-up waited ~13 ms for them, bench/RESULTS.md, issue 16). Only
 * when it is safe to: the message is the next in number order (nothing missing before it), the
 * call is not on screen already, and the agent's settings are known. Everything else — and the
 * same message too, for its bookkeeping — goes through the queue as before.
 */
export class RingFirst {
  /** The last numbered message received in order; null: not known to be in order (then never early). */
  private upTo: number | null = null;
  private settings: Preferences | null = null;
  /** Calls on screen or being handled in this worker's lifetime (not ended). */
  private readonly live = new Set<string>();
  /** Views raised early, and whether that worked, for the queue to know (the same object arrives there). */
  private readonly raised = new WeakMap<CallView, Promise<boolean>>();

  /** In order from `seq` on (after a hello with nothing to resume); null: unknown (a resume, a gap). */
  inOrderFrom(seq: number | null): void {
    this.upTo = seq;
  }

  useSettings(settings: Preferences | null): void {
    this.settings = settings;
  }

  /** The calls live at the worker's start. */
  liveCalls(ivrids: Iterable<string>): void {
    for (const ivrid of ivrids) this.live.add(ivrid);
  }

  /** A message as it arrives, before the queue. */
  arrived(message: ServerMessage): void {
    // A new connection's messages are in order only from its hello on, once the queue has handled
    // it (inOrderFrom): what follows a resuming hello is a replay, never raised early. (Counting on
    // from the last connection raised a replayed ring that the same replay ends a moment later.)
    if (message.type === 'hello') this.upTo = null;
    if (message.type !== 'call' && message.type !== 'identity') return;
    const next = this.upTo !== null && message.seq === this.upTo + 1;
    this.upTo = next ? message.seq : null;
    if (!next || message.type !== 'call' || message.call.state !== 'ringing' || !this.settings) return;
    const call = message.call;
    if (this.live.has(call.ivrid)) return;
    this.live.add(call.ivrid);
    const shown = showCall(call, false, this.settings).then(
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
    this.upTo = null;
    this.live.clear();
  }
}
