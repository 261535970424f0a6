import type { ClientMessage, SequencedMessage, ServerMessage } from '../shared/messages';
import { endedWithin, InOrder } from './in-order';
import { storedGroup } from './storage';

/**
 * The one order messages from the relay are processed in. The relay numbers each agent's `call`
 * and `identity` messages within its epoch; they are processed one at a time (storage
 * read-modify-write must not interleave), in number order (InOrder: one ahead of a missing one
 * waits for it), and a gap or a reconnection asks the relay to resume from the last one processed.
 *
 * Kept in storage.local (across browser restarts: a browser away over a weekend still resumes
 * where it stopped): the relay's epoch, the last number processed in it, and when that message came.
 * In memory, lost when Chrome stops the worker (the next connection's hello resumes): the messages
 * held ahead of a gap, the work queue, and how far messages have *arrived* without a gap since the
 * connection's hello — what lets a ringing call be raised before the queue reaches it (ring-first.ts).
 */

const stored = storedGroup('local', 'message-order', {
  /** The relay's epoch (new at every relay start); numbering restarts with a new one. */
  epoch: '',
  /** The last sequence number processed from the relay, within `epoch`. */
  lastSeq: 0,
  /** When the last numbered message came (ms): tells the relay how far back to look on resume. */
  lastMessageAt: 0,
});

/** A new sign-in: none of its messages was processed yet. */
export const numberAfresh = (): Promise<void> => stored.reset('lastSeq');

type Hello = Extract<ServerMessage, { type: 'hello' }>;
type Resume = Extract<ClientMessage, { type: 'resume' }>;

export interface OrderedWork {
  /** To the relay, when the connection is open. */
  send(message: Resume): void;
  /** Processes one numbered message; `over`: calls that a message processed with it ends. */
  process(message: SequencedMessage, over: ReadonlySet<string>): Promise<void>;
  /** The calls this browser still shows open (a resume names them: see open-calls.ts). */
  stillOpen(): Promise<string[]>;
}

export class MessageOrder {
  private readonly held = new InOrder<SequencedMessage>();
  /** The last numbered message that arrived in order since a hello was handled; null: not known to be in order. */
  private arrivedUpTo: number | null = null;
  private queue: Promise<void> = Promise.resolve();

  constructor(private readonly work: OrderedWork) {}

  /** Runs `task` after every one queued before it; a failure is logged and the next runs. */
  serially(task: () => Promise<void>): void {
    this.queue = this.queue.then(task).catch((err: unknown) => console.error('extension task failed', err));
  }

  /** Settles once every task queued so far is done. */
  settled(): Promise<void> {
    return this.queue;
  }

  /**
   * A message as it arrives, before the queue: true when it is the next numbered message with
   * nothing missing before it. A new connection's messages are in order only from its hello on,
   * once the queue has handled it (countArrivalsFrom): what follows a resuming hello is a replay.
   */
  arrived(message: ServerMessage): boolean {
    if (message.type === 'hello') this.arrivedUpTo = null;
    if (message.type !== 'call' && message.type !== 'identity') return false;
    const next = this.arrivedUpTo !== null && message.seq === this.arrivedUpTo + 1;
    this.arrivedUpTo = next ? message.seq : null;
    return next;
  }

  /** Arrivals after `seq` count as in order (the number a hello with nothing to resume gave). */
  countArrivalsFrom(seq: number): void {
    this.arrivedUpTo = seq;
  }

  /**
   * A connection's hello: messages sent while this browser was away (or numbered afresh by a
   * restarted relay) are asked for. Returns the number arrivals count from once the caller is
   * ready for them (countArrivalsFrom), or null when a replay or a gap makes them not in order.
   */
  async hello(message: Hello): Promise<number | null> {
    const { epoch, lastSeq } = await stored.getMany('epoch', 'lastSeq');
    const resume = Boolean(epoch && (epoch !== message.epoch || message.seq > lastSeq));
    this.held.reset(resume, resume && epoch === message.epoch ? message.seq : 0);
    if (resume) this.work.send(await this.resumeMessage());
    if (epoch !== message.epoch) await stored.set({ epoch: message.epoch, lastSeq: message.seq });
    // Messages that came meanwhile were not taken as in order: early raising starts with the next hello.
    return !resume && (epoch !== message.epoch || message.seq === lastSeq) ? message.seq : null;
  }

  /**
   * A numbered message, in the queue: processed when it is next; one already processed (a replay
   * overlapping what came live) is dropped; one ahead of a missing one waits for it.
   */
  async numbered(message: SequencedMessage): Promise<void> {
    const { ready, askResume } = this.held.take(message, await stored.get('lastSeq'));
    if (askResume) this.work.send(await this.resumeMessage());
    const over = endedWithin(ready);
    for (const m of ready) await this.process(m, over);
  }

  /** The relay resynced: numbering goes on after `seq` (the resync's calls follow it). */
  async resync(seq: number): Promise<void> {
    const { ready, lastSeq } = this.held.rebase(seq, await stored.get('lastSeq'));
    for (const m of ready) await this.process(m, new Set());
    await stored.set({ lastSeq });
  }

  /** Signed out: the next sign-in starts numbering from nothing. */
  async forget(): Promise<void> {
    this.arrivedUpTo = null;
    await stored.reset('lastSeq', 'epoch', 'lastMessageAt');
  }

  private async process(message: SequencedMessage, over: ReadonlySet<string>): Promise<void> {
    await this.work.process(message, over);
    await stored.set({ lastSeq: message.seq, lastMessageAt: Date.now() });
  }

  /** Where this browser stopped, and the calls it still shows open: the relay replays or resyncs from there. */
  private async resumeMessage(): Promise<Resume> {
    const [{ epoch, lastSeq, lastMessageAt }, open] = await Promise.all([stored.getMany('epoch', 'lastSeq', 'lastMessageAt'), this.work.stillOpen()]);
    return { type: 'resume', epoch, seq: lastSeq, since: lastMessageAt, open };
  }
}
