import { EventEmitter } from 'node:events';

/**
 * What the console's live view listens to: `change` (agents connecting, calls changing) and
 * `shutdown` (the relay stopping: open live views end, or the server never finishes closing).
 */
export class LiveEvents {
  private readonly emitter = new EventEmitter().setMaxListeners(0);

  changed = (): void => {
    this.emitter.emit('change');
  };

  shutdown(): void {
    this.emitter.emit('shutdown');
  }

  /** Subscribes; returns the unsubscribe. */
  on = (event: 'change' | 'shutdown', listener: () => void): (() => void) => {
    this.emitter.on(event, listener);
    return () => this.emitter.off(event, listener);
  };
}
