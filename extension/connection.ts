import { ERRORS } from '../shared/errors';
import { AUTH_PROTOCOL_PREFIX, PROTOCOL, parseServerMessage, type ClientMessage, type ServerMessage } from '../shared/messages';
import { getSession, useRelay, type Session } from './account';
import { failedAttempts, getConnection, setConnection, setFailedAttempts, type ConnectionProblem, type ConnectionState } from './connection-status';
import { nextRelay } from './relay-addresses';
import { refreshToolbar, trackOutage } from './toolbar';

/**
 * The WebSocket to the relay: opened with the session, reconnected with backoff (the next relay
 * first when there are several), its heartbeat, its end. In memory only, the socket and its timers:
 * when Chrome stops the worker the socket goes with it, and the worker's start (or the reconnect
 * alarm) opens a new one. Its state for every page is in connection-status.ts.
 */

/**
 * Keep below 30 s: Chrome stops an idle service worker at 30 s unless a WebSocket message flows.
 * The relay says how often it sends its own heartbeat; the worker sends one just as often.
 */
const DEFAULT_PING_MS = 20_000;
/** Reconnect delays double from 1 s up to about 30 s, each with random jitter. */
const BACKOFF_BASE_MS = 1_000;
const BACKOFF_CAP_MS = 30_000;
/**
 * Wakes a stopped worker to reconnect. One minute, not 30 s: an alarm every 30 s would itself
 * keep the worker from ever idling out, hiding a broken heartbeat.
 */
export const RECONNECT_ALARM = 'reconnect';
export const RECONNECT_ALARM_MINUTES = 1;

/** The relay's WebSocket address for a relay's base URL. */
export function wsUrl(relayUrl: string): string {
  const url = new URL('/ws', relayUrl);
  url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
  return url.toString();
}

/**
 * How long to wait before the next attempt. Several relays: the next one is tried at once (with
 * jitter); the wait grows once per round. Full jitter (`random` in [0, 1)): a thousand agents
 * whose relay restarted do not all return in the same second.
 */
export function retryDelay(attempt: number, relayCount: number, random: number): number {
  const rounds = Math.floor(attempt / Math.max(1, relayCount));
  return Math.min(BACKOFF_CAP_MS, BACKOFF_BASE_MS * 2 ** rounds) * (0.5 + random / 2);
}

/** Says how the connection stands: stored for every page, the outage notices and the toolbar brought in line. */
export async function report(state: ConnectionState, problem: ConnectionProblem = ''): Promise<void> {
  await setConnection(state, problem);
  await trackOutage(state);
  await refreshToolbar();
}

export interface ConnectionEvents {
  /** A message from the relay as it arrives, in the socket's order (before any queue). */
  received(message: ServerMessage, session: Session): void;
  /** Work that must follow what the messages before it started (the worker's one queue). */
  serially(task: () => Promise<void>): void;
  /** The relay no longer knows the session (expired, revoked, agent removed). */
  sessionEnded(problem: ConnectionProblem): Promise<void>;
}

/** The end of what an event or a timer started, nothing waiting on it: a failure is logged in words. */
const failed = (what: string) => (err: unknown) => console.error(`${what} failed`, err);

export class RelayConnection {
  private socket: WebSocket | null = null;
  private pingTimer: ReturnType<typeof setInterval> | undefined;
  private retryTimer: ReturnType<typeof setTimeout> | undefined;
  /** A connection attempt under way: the top-level start and onInstalled must not open two sockets. */
  private connecting: Promise<void> | null = null;

  constructor(private readonly events: ConnectionEvents) {}

  connect(): Promise<void> {
    this.connecting ??= this.open().finally(() => (this.connecting = null));
    return this.connecting;
  }

  /** connect(), from an event or a timer: a failure is logged, and the alarm tries again within a minute. */
  startConnecting(): void {
    this.connect().catch(failed('connecting to the relay'));
  }

  send(message: ClientMessage): void {
    if (this.socket?.readyState === WebSocket.OPEN) this.socket.send(JSON.stringify(message));
  }

  /** The relay's hello says how often to send the heartbeat. */
  heartbeat(everyMs: number): void {
    clearInterval(this.pingTimer);
    this.pingTimer = setInterval(() => this.send({ type: 'ping', time: Date.now() }), everyMs || DEFAULT_PING_MS);
  }

  /** Closed on purpose (signed out, or in again): its close is not taken for a lost connection. */
  close(reason: string): void {
    this.socket?.close(1000, reason);
    this.socket = null;
  }

  private async open(): Promise<void> {
    clearTimeout(this.retryTimer);
    const session = await getSession();
    if (!session) {
      await report('signed-out');
      return;
    }
    if (this.socket && (this.socket.readyState === WebSocket.OPEN || this.socket.readyState === WebSocket.CONNECTING)) return;
    // Expired while the browser was closed: no point asking the relay.
    if (session.expiresAt > 0 && session.expiresAt <= Date.now()) {
      await this.events.sessionEnded('session-ended');
      return;
    }
    await report('connecting');
    let ws: WebSocket;
    try {
      // The session token travels as a subprotocol, never in the URL.
      ws = new WebSocket(wsUrl(session.relayUrl), [PROTOCOL, `${AUTH_PROTOCOL_PREFIX}${session.token}`]);
    } catch {
      await report('disconnected', 'relay-url-invalid');
      return;
    }
    this.watch(ws, session);
  }

  private watch(ws: WebSocket, session: Session): void {
    this.socket = ws;
    let opened = false;
    ws.onopen = () => {
      opened = true;
    };
    ws.onmessage = (event: MessageEvent<unknown>) => {
      const message = typeof event.data === 'string' ? parseServerMessage(event.data) : null;
      if (!message) {
        console.warn('ignored a message from the relay that is not in the protocol');
        return;
      }
      this.events.received(message, session);
    };
    ws.onclose = (event) => {
      if (this.socket !== ws) return;
      this.socket = null;
      clearInterval(this.pingTimer);
      // A refused handshake looks like any lost connection (1006): ask the relay whether the session still holds.
      this.events.serially(async () => (!opened && (await sessionGone(session)) ? this.events.sessionEnded('session-ended') : this.closed(event.code)));
    };
  }

  private async closed(code: number): Promise<void> {
    if (code === ERRORS.SESSION_ENDED.close || code === ERRORS.UNAUTHORIZED.close) {
      await this.events.sessionEnded('session-ended');
      return;
    }
    const attempt = await failedAttempts();
    await setFailedAttempts(attempt + 1);
    const connection = await getConnection();
    await report('disconnected', connection.state === 'connected' ? 'connection-lost' : 'relay-unreachable');
    const session = await getSession();
    const relays = session?.relayUrls ?? [];
    if (session && relays.length > 1) await useRelay(session, nextRelay(relays, session.relayUrl));
    this.retryTimer = setTimeout(() => this.startConnecting(), retryDelay(attempt, relays.length, Math.random()));
  }
}

/** True only when the relay answers that the session is unknown, expired or revoked; false when it cannot be asked. */
async function sessionGone(session: Session): Promise<boolean> {
  try {
    const res = await fetch(new URL('/api/sessions/current', session.relayUrl), { headers: { authorization: `Bearer ${session.token}` }, cache: 'no-store' });
    return res.status === ERRORS.UNAUTHORIZED.http;
  } catch {
    return false;
  }
}

/** Tells the relay the agent signed out; unreachable, the session still ends here and expires there. */
export async function endRelaySession(session: Session): Promise<void> {
  try {
    await fetch(new URL('/api/sessions/current', session.relayUrl), { method: 'DELETE', headers: { authorization: `Bearer ${session.token}` } });
  } catch {
    // The relay is unreachable: the session still ends here, and expires there.
  }
}
