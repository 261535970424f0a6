import type { Logger } from 'pino';
import type io from 'socket.io-client';
import type { CallEvent } from '../../shared/call-event';
import type { RealtimeBoard, BoardRead } from './realtime-board';
import { readExtensionEvent } from './realtime-events';
import { login, refresh, type LoginError, type RealtimeSession } from './realtime-login';

/**
 * Voicenter's Real-Time API as a source of call events: one outbound connection per account that
 * streams every extension's events (../shared/VOICENTER-REALTIME.md §1). It speaks engine.io 3,
 * so the client is socket.io-client 2.x. Logged in with the account's token; kept alive, failed
 * over and refreshed as the note documents; each call phase goes to `onEvent`, the same call flow
 * as a pop-up request. It never throws: every failure is logged and retried with a back-off.
 */
export interface RealtimeTimings {
  /** Send `keepalive` when nothing came for this long (note §1.3: 60 s). */
  keepaliveMs: number;
  /** Nothing at all for this long: the server is taken as gone, the next one is tried (120 s). */
  silenceMs: number;
  /** Waits before connecting again after a drop, growing per failure (20, 40, 60 s). */
  reconnectMs: number[];
  /** The first wait after a failed login, doubled per failure up to loginRetryMaxMs. */
  loginRetryMs: number;
  loginRetryMaxMs: number;
  /** Refresh the socket token this long before it expires (5 s). */
  refreshBeforeMs: number;
  connectTimeoutMs: number;
}

export const REALTIME_TIMINGS: RealtimeTimings = {
  keepaliveMs: 60_000,
  silenceMs: 120_000,
  reconnectMs: [20_000, 40_000, 60_000],
  loginRetryMs: 5_000,
  loginRetryMaxMs: 300_000,
  refreshBeforeMs: 5_000,
  connectTimeoutMs: 10_000,
};

export interface RealtimeOptions {
  loginUrl: string;
  token: string;
  log: Logger;
  onEvent: (event: CallEvent) => Promise<unknown>;
  /** Keeps the queues and the phones' statuses for the console. */
  board?: RealtimeBoard;
  timings?: Partial<RealtimeTimings>;
}

export type RealtimeState = 'logging-in' | 'connecting' | 'connected' | 'waiting' | 'stopped';

export class VoicenterRealtime {
  private readonly timings: RealtimeTimings;
  private session: RealtimeSession | null = null;
  private socket: SocketIOClient.Socket | null = null;
  private server = 0;
  private failures = 0;
  private loginFailures = 0;
  private lastHeard = 0;
  private timers = new Set<NodeJS.Timeout>();
  private ticker: NodeJS.Timeout | undefined;
  private state: RealtimeState = 'stopped';
  /**
   * Counts starts and stops: a login still on its way when the source is stopped (another relay took
   * the connection over) and started again must not connect a second time when it returns.
   */
  private run = 0;
  /** socket.io-client, loaded at the first login: a relay without the Real-Time API never loads it (memory, issue 16). */
  private io: typeof io | null = null;

  constructor(private readonly options: RealtimeOptions) {
    this.timings = { ...REALTIME_TIMINGS, ...options.timings };
  }

  /** Where it stands, and which server it is on (for /readyz and the console). */
  status(): { state: RealtimeState; server: string | null } {
    return { state: this.state, server: this.state === 'connected' ? (this.session?.servers[this.server] ?? null) : null };
  }

  start(): void {
    if (this.state !== 'stopped') return;
    this.run++;
    this.go(() => this.logIn());
  }

  stop(): void {
    this.run++;
    this.state = 'stopped';
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    this.drop();
    // Another relay may hold the connection from now on: what this one last heard is no longer kept up to date.
    this.options.board?.forget();
  }

  /** Whether the run that began as `run` is over. (A method, not a field test: the state changes across awaits.) */
  private stopped(run: number): boolean {
    return this.state === 'stopped' || run !== this.run;
  }

  private later(ms: number, task: () => void | Promise<void>): void {
    const run = this.run;
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      if (!this.stopped(run)) this.go(task);
    }, ms);
    timer.unref?.();
    this.timers.add(timer);
  }

  /** Runs a step of the connection's life. Each step logs and retries its own failures: one that still rejects is a fault, logged. */
  private go(task: () => void | Promise<void>): void {
    Promise.resolve(task()).catch((err: unknown) => this.options.log.error({ err: (err as Error).message }, 'Voicenter Real-Time API: step failed'));
  }

  private async logIn(): Promise<void> {
    const run = this.run;
    this.state = 'logging-in';
    try {
      const session = await login(this.options.loginUrl, this.options.token);
      this.io ??= (await import('socket.io-client')).default;
      if (this.stopped(run)) return;
      this.loginFailures = 0;
      this.useSession(session);
      this.server = 0;
      this.connect();
    } catch (err) {
      if (this.stopped(run)) return;
      this.loginFailures++;
      // A refused token waits longer from the start: retrying fast would only hammer Voicenter.
      const base = this.timings.loginRetryMs * ((err as LoginError).refused ? 4 : 1);
      const wait = Math.min(this.timings.loginRetryMaxMs, base * 2 ** (this.loginFailures - 1));
      this.options.log.error({ err: (err as Error).message, retryInMs: wait }, 'Voicenter Real-Time API: login failed');
      this.state = 'waiting';
      this.later(wait, () => this.logIn());
    }
  }

  /** Keeps the session and arms its refresh, shortly before the socket token expires. */
  private useSession(session: RealtimeSession): void {
    this.session = session;
    if (session.expiresAt === null) return;
    const wait = Math.max(0, session.expiresAt - Date.now() - this.timings.refreshBeforeMs);
    this.later(wait, () => this.refreshToken());
  }

  private async refreshToken(): Promise<void> {
    const run = this.run;
    try {
      if (!this.session?.refreshToken) throw new Error('no refresh token');
      const renewed = await refresh(this.options.loginUrl, this.session.refreshToken);
      if (this.stopped(run)) return;
      this.options.log.info('Voicenter Real-Time API: token refreshed');
      this.useSession(renewed);
      this.drop();
      this.connect();
    } catch (err) {
      if (this.stopped(run)) return;
      this.options.log.warn({ err: (err as Error).message }, 'Voicenter Real-Time API: token refresh failed, logging in again');
      this.drop();
      await this.logIn();
    }
  }

  private connect(): void {
    const session = this.session!;
    const url = session.servers[this.server % session.servers.length]!;
    this.state = 'connecting';
    const socket = this.io!(url, {
      transports: ['websocket'],
      upgrade: false,
      reconnection: false,
      forceNew: true,
      query: { token: session.token },
      timeout: this.timings.connectTimeoutMs,
    });
    this.socket = socket;
    const heard = () => {
      this.lastHeard = Date.now();
    };
    socket.on('connect', () => {
      this.state = 'connected';
      this.failures = 0;
      heard();
      this.options.log.info({ server: new URL(url).host }, 'Voicenter Real-Time API: connected');
      this.watch();
    });
    for (const name of ['loginSuccess', 'AllDialersStatus']) socket.on(name, heard);
    const board = this.options.board;
    const toBoard = (name: string, read: (payload: unknown) => BoardRead | undefined) =>
      socket.on(name, (payload: unknown) => {
        heard();
        const done = read(payload);
        if (done && !done.ok) this.options.log.warn({ event: name, why: done.why }, 'Voicenter Real-Time API: event dropped');
      });
    toBoard('loginStatus', (payload) => board?.greeting(payload));
    toBoard('AllExtensionsStatus', (payload) => board?.extensionsGreeting(payload));
    toBoard('QueueEvent', (payload) => board?.queueEvent(payload));
    socket.on('keepaliveResponse', (answer: unknown) => {
      heard();
      const code = (answer as { errorCode?: unknown } | null)?.errorCode;
      if (typeof code === 'number' && code !== 0) this.lost(`keepalive answered errorCode ${code}`);
    });
    socket.on('ExtensionEvent', (payload: unknown) => {
      heard();
      this.extensionEvent(payload);
    });
    socket.on('disconnect', (reason: string) => this.lost(`disconnected (${reason})`));
    socket.on('connect_error', (err: Error) => this.lost(`cannot connect: ${err.message}`));
    socket.on('connect_timeout', () => this.lost('connection timed out'));
  }

  private extensionEvent(payload: unknown): void {
    // Every ExtensionEvent carries the phone's status, with a call phase or without (userStatusUpdate).
    this.options.board?.extensionEvent(payload);
    const read = readExtensionEvent(payload);
    if (read.kind === 'ignored') {
      this.options.log.warn({ event: 'ExtensionEvent', why: read.why }, 'Voicenter Real-Time API: event dropped');
    } else if (read.kind === 'call') {
      this.options.onEvent(read.event).catch((err: unknown) => this.options.log.error({ ivrid: read.event.ivrid, err: (err as Error).message }, 'Voicenter Real-Time API: event not handled'));
    }
  }

  /** While connected: keepalive after a quiet minute; after two silent minutes, the next server. */
  private watch(): void {
    clearInterval(this.ticker);
    const tick = Math.min(this.timings.keepaliveMs, this.timings.silenceMs) / 4;
    this.ticker = setInterval(() => {
      const quiet = Date.now() - this.lastHeard;
      if (quiet >= this.timings.silenceMs) this.lost(`silent for ${Math.round(quiet / 1000)} s`);
      else if (quiet >= this.timings.keepaliveMs) this.socket?.emit('keepalive', this.session?.token);
    }, tick);
    this.ticker.unref?.();
  }

  /** The connection is gone or useless: after a growing wait, the next server (the main one again after each other was tried). */
  private lost(why: string): void {
    if (this.state === 'stopped' || this.state === 'waiting' || !this.socket) return;
    this.drop();
    this.options.board?.forget();
    const wait = this.timings.reconnectMs[Math.min(this.failures, this.timings.reconnectMs.length - 1)]!;
    this.failures++;
    const servers = this.session?.servers.length ?? 1;
    this.server = (this.server + 1) % servers;
    this.options.log.warn({ why, retryInMs: wait }, 'Voicenter Real-Time API: connection lost');
    this.state = 'waiting';
    // A whole round failed in a row (each server, and the main one again): log in again (the token may be what is refused).
    const roundFailed = this.failures % (servers + 1) === 0;
    this.later(wait, () => (roundFailed ? this.logIn() : this.connect()));
  }

  private drop(): void {
    clearInterval(this.ticker);
    const socket = this.socket;
    this.socket = null;
    if (!socket) return;
    socket.removeAllListeners();
    socket.on('error', () => undefined);
    socket.close();
  }
}
