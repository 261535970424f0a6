import { WebSocket } from 'ws';
import { InOrder } from '../../extension/in-order';
import { AUTH_PROTOCOL_PREFIX, PROTOCOL, parseServerMessage, type CallView, type ClientMessage, type SequencedMessage, type ServerMessage } from '../../shared/messages';

/**
 * A browser as the extension's service worker (extension/background.ts) treats the relay's
 * messages: what it keeps between connections (epoch, last number, when the last came), a resume
 * when a hello shows another epoch or more, numbered messages processed in order (InOrder, the
 * extension's own), a resync's line. For what only the extension's rules show: whether a message
 * is taken for one already processed, or waits for one that never comes.
 */
export class ExtensionLike {
  epoch = '';
  lastSeq = 0;
  lastMessageAt = 0;
  /** Each call as this browser shows it: the last view processed. */
  readonly shown = new Map<string, CallView>();
  /** Every numbered message processed, with the epoch it was processed in. */
  readonly processed: { epoch: string; seq: number; ivrid: string; state?: CallView['state'] }[] = [];
  readonly invalid: string[] = [];
  private readonly inOrder = new InOrder<SequencedMessage>();
  private ws: WebSocket | null = null;
  private waiters: (() => void)[] = [];

  /** Connects to a relay (again: what it kept stays, as the extension's storage does). */
  async connect(relay: { url: string }, token: string): Promise<void> {
    const ws = new WebSocket(`${relay.url.replace('http', 'ws')}/ws`, [PROTOCOL, `${AUTH_PROTOCOL_PREFIX}${token}`]);
    ws.on('message', (data) => {
      const text = (data as Buffer).toString();
      const message = parseServerMessage(text);
      if (message) this.handle(message);
      else this.invalid.push(text);
      this.wake();
    });
    ws.on('close', () => this.wake());
    // Before 'open' is awaited: the hello may come in the same read as the handshake's answer.
    this.ws = ws;
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
      ws.once('error', reject);
    });
  }

  async close(): Promise<void> {
    const ws = this.ws;
    this.ws = null;
    if (!ws || ws.readyState === ws.CLOSED) return;
    await new Promise<void>((resolve) => {
      ws.once('close', () => resolve());
      ws.close();
    });
  }

  /** Waits until the browser shows what `check` wants (or the deadline passes, saying what it shows). */
  async shows(check: (shown: Map<string, CallView>) => boolean, what: string, timeoutMs = 15_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!check(this.shown)) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`${what}: not by the deadline; shown: ${JSON.stringify([...this.shown.values()].map((c) => `${c.ivrid}:${c.state}`))}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  /** As background.ts's handle(). */
  private handle(message: ServerMessage): void {
    switch (message.type) {
      case 'hello': {
        const resume = Boolean(this.epoch && (this.epoch !== message.epoch || message.seq > this.lastSeq));
        this.inOrder.reset(resume);
        if (resume) this.send({ type: 'resume', epoch: this.epoch, seq: this.lastSeq, since: this.lastMessageAt });
        if (this.epoch !== message.epoch) {
          this.epoch = message.epoch;
          this.lastSeq = message.seq;
        }
        return;
      }
      case 'ping':
        return;
      case 'resync': {
        if (message.seq === undefined) return;
        const { ready, lastSeq } = this.inOrder.rebase(message.seq, this.lastSeq);
        for (const m of ready) this.apply(m);
        this.lastSeq = lastSeq;
        return;
      }
      case 'call':
      case 'identity':
        break;
    }
    const { ready, askResume } = this.inOrder.take(message, this.lastSeq);
    if (askResume) this.send({ type: 'resume', epoch: this.epoch, seq: this.lastSeq, since: this.lastMessageAt });
    for (const m of ready) this.apply(m);
    const done = ready.at(-1)?.seq ?? (message.seq <= this.lastSeq ? message.seq : null);
    if (done !== null) this.send({ type: 'ack', seq: done });
  }

  private apply(message: SequencedMessage): void {
    const ivrid = message.type === 'call' ? message.call.ivrid : message.ivrid;
    if (message.type === 'call') this.shown.set(ivrid, message.call);
    else {
      const call = this.shown.get(ivrid);
      if (call) this.shown.set(ivrid, { ...call, identity: message.identity });
    }
    this.processed.push({ epoch: this.epoch, seq: message.seq, ivrid, ...(message.type === 'call' ? { state: message.call.state } : {}) });
    this.lastSeq = message.seq;
    this.lastMessageAt = Date.now();
  }

  private send(message: ClientMessage): void {
    if (this.ws?.readyState === WebSocket.OPEN) this.ws.send(JSON.stringify(message));
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
  }
}
