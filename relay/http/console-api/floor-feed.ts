import type { Floor } from '../../../shared/console';
import { floorChanges } from '../../../shared/floor-changes';
import type { Logger } from '../../platform/log';

/** Changes come in bursts (one per station and phase): one floor worked out per burst, for every viewer. */
const BURST_MS = 100;
/**
 * What a viewer may have waiting unsent (its connection reads slower than the floor changes): past
 * it, it is sent nothing more until it has read what it has, then the whole floor once.
 */
export const MAX_QUEUED_BYTES = 256 * 1024;

/** What the feed needs of a viewer's response (a Node ServerResponse). */
export interface ViewerStream {
  write(text: string): boolean;
  readonly writableLength: number;
  readonly writableNeedDrain: boolean;
  once(event: 'drain', listener: () => void): unknown;
}

interface Viewer {
  res: ViewerStream;
  /** It has had the floor whole: it is sent changes. */
  synced: boolean;
  /** Over MAX_QUEUED_BYTES: sent nothing until it drains. */
  behind: boolean;
}

/**
 * The console's Live stream for all its viewers: the floor worked out once per burst of changes,
 * what changed written to every viewer as one text (shared/floor-changes.ts), each viewer's unsent
 * bytes bounded — one that falls behind skips changes and gets the whole floor when it catches up.
 */
export class FloorFeed {
  private readonly viewers = new Set<Viewer>();
  /** The floor as the viewers have it (each change is from it), and its text as a whole-floor event. */
  private last: { floor: Floor; text?: string } | undefined;
  private pending: NodeJS.Timeout | undefined;
  private running = false;
  private again = false;

  constructor(
    private readonly read: () => Promise<Floor>,
    private readonly log: Logger,
  ) {}

  /** A new viewer: the whole floor, then its changes. */
  add(res: ViewerStream): { remove(): void; keepalive(text: string): void } {
    const viewer: Viewer = { res, synced: false, behind: false };
    this.viewers.add(viewer);
    if (this.last) {
      this.whole(viewer);
      // (Anything that changed without a word since is sent as the next burst's change.)
      this.changed();
    } else this.start();
    return {
      remove: () => {
        this.viewers.delete(viewer);
        if (this.viewers.size > 0) return;
        // Nobody watching: nothing is worked out, and the next viewer gets the floor as it is then.
        this.last = undefined;
        clearTimeout(this.pending);
        this.pending = undefined;
      },
      // (Not queued behind a backlog: the viewer is reading slowly, not gone.)
      keepalive: (text) => void (viewer.behind || res.write(text)),
    };
  }

  /** Something on the floor changed. */
  changed = (): void => {
    if (this.viewers.size === 0) return;
    this.pending ??= setTimeout(() => {
      this.pending = undefined;
      this.start();
    }, BURST_MS);
  };

  private start(): void {
    this.burst().catch((err: unknown) => this.log.error({ err: (err as Error).message }, 'live view: could not read the floor'));
  }

  private async burst(): Promise<void> {
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = true;
    try {
      const floor = await this.read();
      const changes = this.last ? floorChanges(this.last.floor, floor) : null;
      if (changes || !this.last) this.last = { floor };
      const text = changes ? `event: changes\ndata: ${JSON.stringify(changes)}\n\n` : undefined;
      for (const v of this.viewers) {
        if (!v.synced) this.whole(v);
        else if (text) this.send(v, text);
      }
    } finally {
      this.running = false;
      if (this.again) {
        this.again = false;
        this.changed();
      }
    }
  }

  /** The floor whole, as the next changes are counted from. */
  private whole(v: Viewer): void {
    if (!this.last) return;
    this.last.text ??= `event: floor\ndata: ${JSON.stringify(this.last.floor)}\n\n`;
    v.synced = true;
    this.send(v, this.last.text);
  }

  private send(v: Viewer, text: string): void {
    if (v.behind) return;
    // (A write that the connection has no room for sets writableNeedDrain: a 'drain' follows.)
    if (v.res.writableNeedDrain && v.res.writableLength + Buffer.byteLength(text) > MAX_QUEUED_BYTES) {
      v.behind = true;
      v.res.once('drain', () => {
        v.behind = false;
        if (this.viewers.has(v)) this.whole(v);
      });
      return;
    }
    v.res.write(text);
  }
}
