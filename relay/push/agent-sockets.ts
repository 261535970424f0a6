// Room relay/push/: getting messages to the extensions — their WebSockets, per-agent numbering and replay, resume.
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { ERRORS } from '../../shared/errors';
import { AUTH_PROTOCOL_PREFIX, PROTOCOL, parseClientMessage, type ClientMessage, type ServerMessage } from '../../shared/messages';
import type { Agent, Agents } from '../accounts/agents';
import type { Logger } from '../platform/log';
import { sha256 } from '../accounts/secrets';

/** Largest message an extension may send; everything it sends is tiny. */
const MAX_PAYLOAD = 64 * 1024;
/** The extension resumes once per connection, after `hello`; a few more are tolerated (each may replay a lot). */
const MAX_RESUMES_PER_CONNECTION = 3;
/**
 * What may wait unsent on one socket (ws's bufferedAmount, past what the kernel took): a client
 * that does not read is cut off beyond it, not allowed to grow the relay's memory.
 */
export const MAX_UNSENT_BYTES = 1024 * 1024;
/** Messages held for one socket while its hello or resume is worked out (see answer()). */
const MAX_HELD = 1_000;
/** After the close frame, how long a client that does not read has before the connection is cut. */
const SLOW_CLOSE_GRACE_MS = 1_000;

interface Connection {
  agent: Agent;
  tokenHash: string;
  alive: boolean;
  /** The highest sequence number the extension said it processed. */
  acked: number;
  /** Messages received in the current minute, and when that minute began. */
  received: number;
  windowStart: number;
  resumes: number;
  /** While a hello or resume is being worked out elsewhere (Redis), what came meanwhile waits here, to follow it. */
  held: string[] | null;
  /** Hellos and resumes still being worked out. */
  answering: number;
}

/** An answer at once (this relay's memory), or later (from Redis). */
type Later<T> = T | Promise<T>;

export interface SocketOptions {
  agents: Agents;
  log: Logger;
  /** Origins allowed to connect (the extension's). A client that sends no Origin is not a browser. */
  allowedOrigins: string[];
  heartbeatMs: number;
  maxSocketsPerAgent: number;
  maxMessagesPerMinute: number;
  /** Unsent bytes one socket may hold before it is cut off (default MAX_UNSENT_BYTES). */
  maxUnsentBytes?: number;
  /** The first message on each new connection. */
  hello: (agent: Agent) => Later<ServerMessage>;
  /** What to send a socket that resumes after a gap (replayed messages, or a resync). */
  resume: (agent: Agent, message: Extract<ClientMessage, { type: 'resume' }>) => Later<(ServerMessage | string)[]>;
  /** Told whenever an agent's sockets open or close (the console's live view). */
  onChange?: () => void;
}

/**
 * The only module that writes to agent sockets: authenticates upgrades, keeps each agent's
 * open sockets, sends, keeps connections alive and drops dead or revoked ones.
 */
export class AgentSockets {
  readonly wss = new WebSocketServer({
    noServer: true,
    maxPayload: MAX_PAYLOAD,
    perMessageDeflate: false,
    // The sockets are kept by agent (byAgent): ws's own set would add a closure and an entry per socket.
    clientTracking: false,
    handleProtocols: (protocols) => (protocols.has(PROTOCOL) ? PROTOCOL : false),
  });
  private readonly byAgent = new Map<number, Set<WebSocket>>();
  /** When each connected agent's oldest open socket opened. */
  private readonly since = new Map<number, number>();
  private readonly connections = new WeakMap<WebSocket, Connection>();
  private readonly heartbeat: NodeJS.Timeout;
  /**
   * Each socket's listeners, the same functions for every socket (`this` is the socket): four
   * closures and their context per socket were ~300 bytes of each agent's (bench/RESULTS.md, issue 16).
   */
  private readonly listeners: {
    pong: (this: WebSocket) => void;
    message: (this: WebSocket, data: unknown, isBinary: boolean) => void;
    error: (this: WebSocket, err: Error) => void;
    close: (this: WebSocket) => void;
  };

  constructor(private readonly options: SocketOptions) {
    const sockets = this.connections;
    const received = (ws: WebSocket, data: unknown, isBinary: boolean) => this.received(ws, data, isBinary);
    const closed = (ws: WebSocket) => this.closed(ws);
    this.listeners = {
      pong() {
        const conn = sockets.get(this);
        if (conn) conn.alive = true;
      },
      message(data, isBinary) {
        received(this, data, isBinary);
      },
      error(err) {
        options.log.warn({ agent: sockets.get(this)?.agent.extenUser, err: err.message }, 'websocket error');
      },
      close() {
        closed(this);
      },
    };
    // Keep below 30 s: Chrome stops an idle extension service worker at 30 s unless a message flows.
    this.heartbeat = setInterval(() => this.beat(), options.heartbeatMs);
    this.heartbeat.unref();
  }

  /** For `server.on('upgrade')`: authenticates before the WebSocket handshake completes. */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const refuse = (status: number, reason: string) => {
      this.options.log.warn({ status, reason }, 'websocket refused');
      socket.end(`HTTP/1.1 ${status} ${reason}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
      socket.destroy();
    };
    const url = new URL(req.url ?? '/', 'http://relay');
    if (url.pathname !== '/ws') return refuse(404, 'Not Found');
    const origin = req.headers.origin;
    if (origin !== undefined && !this.options.allowedOrigins.includes(origin)) return refuse(403, 'Forbidden');
    const offered = (req.headers['sec-websocket-protocol'] ?? '').split(',').map((p) => p.trim());
    const token = offered.find((p) => p.startsWith(AUTH_PROTOCOL_PREFIX))?.slice(AUTH_PROTOCOL_PREFIX.length);
    if (!offered.includes(PROTOCOL) || !token) return refuse(401, 'Unauthorized');
    const tokenHash = sha256(token);
    // Node hands an upgraded socket over without an error listener: a reset while the session is read must not crash the relay.
    const ignore = () => socket.destroy();
    socket.on('error', ignore);
    this.options.agents.session(tokenHash).finally(() => socket.off('error', ignore)).then(
      (agent) => {
        if (socket.destroyed) return;
        if (!agent) return refuse(401, 'Unauthorized');
        this.upgrade(req, socket, head, agent, tokenHash, refuse);
      },
      (err: unknown) => {
        this.options.log.error({ err: (err as Error).message }, 'could not read the session: websocket refused');
        refuse(503, 'Service Unavailable');
      },
    );
  }

  /** Checked after the session was read, with no wait before the socket counts: the limit holds for parallel upgrades. */
  private upgrade(req: IncomingMessage, socket: Duplex, head: Buffer, agent: Agent, tokenHash: string, refuse: (status: number, reason: string) => void): void {
    if ((this.byAgent.get(agent.id)?.size ?? 0) >= this.options.maxSocketsPerAgent) return refuse(429, 'Too Many Requests');
    this.wss.handleUpgrade(req, socket, head, (ws) => {
      this.accept(ws, agent, tokenHash);
      // As the ws examples do, so observers (tests, metrics) see every accepted socket.
      this.wss.emit('connection', ws, req);
    });
  }

  private accept(ws: WebSocket, agent: Agent, tokenHash: string): void {
    const conn: Connection = { agent, tokenHash, alive: true, acked: 0, received: 0, windowStart: Date.now(), resumes: 0, held: null, answering: 0 };
    this.connections.set(ws, conn);
    let set = this.byAgent.get(agent.id);
    if (!set) {
      this.byAgent.set(agent.id, (set = new Set()));
      this.since.set(agent.id, Date.now());
    }
    set.add(ws);
    this.options.onChange?.();
    this.options.log.info({ agent: agent.extenUser, sockets: set.size }, 'agent connected');
    ws.on('pong', this.listeners.pong);
    ws.on('message', this.listeners.message);
    ws.on('error', this.listeners.error);
    ws.on('close', this.listeners.close);
    this.answer(ws, conn, this.options.hello(agent));
  }

  /** A message from the extension: acks and resumes; anything else, or too many, closes the socket. */
  private received(ws: WebSocket, data: unknown, isBinary: boolean): void {
    const conn = this.connections.get(ws);
    if (!conn) return;
    conn.alive = true;
    const now = Date.now();
    if (now - conn.windowStart >= 60_000) {
      conn.windowStart = now;
      conn.received = 0;
    }
    if (++conn.received > this.options.maxMessagesPerMinute) {
      ws.close(ERRORS.TOO_MANY.close, 'too many messages');
      return;
    }
    // ws hands text frames over as a Buffer (its default binaryType, 'nodebuffer').
    const message = isBinary ? null : parseClientMessage((data as Buffer).toString());
    if (!message) {
      ws.close(ERRORS.INVALID_MESSAGE.close, 'invalid message');
      return;
    }
    if (message.type === 'ack') conn.acked = Math.max(conn.acked, message.seq);
    if (message.type === 'resume') {
      if (++conn.resumes > MAX_RESUMES_PER_CONNECTION) {
        ws.close(ERRORS.TOO_MANY.close, 'too many resumes');
        return;
      }
      this.answer(ws, conn, this.options.resume(conn.agent, message));
    }
  }

  private closed(ws: WebSocket): void {
    const agent = this.connections.get(ws)?.agent;
    const set = agent && this.byAgent.get(agent.id);
    if (!agent || !set) return;
    set.delete(ws);
    if (set.size === 0) {
      this.byAgent.delete(agent.id);
      this.since.delete(agent.id);
    }
    this.options.onChange?.();
    this.options.log.info({ agent: agent.extenUser, sockets: set.size }, 'agent disconnected');
  }

  /** Writes a hello or a resume's messages; one that comes later goes first, before what arrived meanwhile. */
  private answer(ws: WebSocket, conn: Connection, messages: Later<ServerMessage | (ServerMessage | string)[]>): void {
    if (!(messages instanceof Promise)) {
      for (const m of [messages].flat()) this.write(ws, m);
      return;
    }
    conn.held ??= [];
    conn.answering++;
    messages.then(
      (later) => {
        for (const m of [later].flat()) this.send1(ws, m);
      },
      (err: unknown) => {
        this.options.log.warn({ agent: conn.agent.extenUser, err: (err as Error).message }, 'could not catch the extension up: it reconnects');
        ws.close(ERRORS.UNAVAILABLE.close, 'try again');
      },
    ).finally(() => {
      // Another answer may still be on its way: the held messages wait for the last one.
      if (--conn.answering > 0) return;
      const held = conn.held ?? [];
      conn.held = null;
      for (const json of held) this.send1(ws, json);
    });
  }

  /** Sends a message (or one already serialised) to every open socket of the agent; returns how many. */
  send(agentId: number, message: ServerMessage | string): number {
    const set = this.byAgent.get(agentId);
    if (!set) return 0;
    const json = typeof message === 'string' ? message : JSON.stringify(message);
    for (const ws of set) this.write(ws, json);
    return set.size;
  }

  /**
   * The agents' open sockets are told where the numbering now stands, as a connection is at its
   * start (a hello: the delivery numbers their messages afresh, in another epoch). Each may resume
   * once more.
   */
  restart(agentIds: Iterable<number>, hello: (agent: Agent) => Later<ServerMessage>): void {
    for (const agentId of agentIds) {
      for (const ws of this.byAgent.get(agentId) ?? []) {
        const conn = this.connections.get(ws);
        if (!conn || ws.readyState !== ws.OPEN) continue;
        conn.resumes = 0;
        this.answer(ws, conn, hello(conn.agent));
      }
    }
  }

  /** Closes every socket whose session is no longer valid (signed out, revoked, agent removed). */
  async revalidate(now = Date.now()): Promise<void> {
    const checks: Promise<void>[] = [];
    for (const set of this.byAgent.values()) {
      for (const ws of set) {
        const conn = this.connections.get(ws);
        if (!conn) continue;
        checks.push(
          this.options.agents.session(conn.tokenHash, now).then((agent) => {
            if (!agent) ws.close(ERRORS.SESSION_ENDED.close, 'session ended');
          }),
        );
      }
    }
    await Promise.all(checks);
  }

  /** How many sockets the agent has open here. */
  count(agentId: number): number {
    return this.byAgent.get(agentId)?.size ?? 0;
  }

  /** How many agents and sockets are connected. */
  stats(): { agents: number; sockets: number } {
    let sockets = 0;
    for (const set of this.byAgent.values()) sockets += set.size;
    return { agents: this.byAgent.size, sockets };
  }

  /** Each connected agent: how many browsers (sockets), and since when (ms) it has been connected. */
  connected(): Map<number, { sockets: number; since: number }> {
    const result = new Map<number, { sockets: number; since: number }>();
    for (const [id, set] of this.byAgent) result.set(id, { sockets: set.size, since: this.since.get(id)! });
    return result;
  }

  /** Every open socket, all agents (a copy: closing one while going through them is safe). */
  clients(): WebSocket[] {
    const all: WebSocket[] = [];
    for (const set of this.byAgent.values()) all.push(...set);
    return all;
  }

  close(code = 1001, reason = 'relay shutting down'): void {
    clearInterval(this.heartbeat);
    for (const ws of this.clients()) ws.close(code, reason);
    this.wss.close();
  }

  /** Writes to the socket, or holds the message while an earlier answer is still being worked out. */
  private write(ws: WebSocket, message: ServerMessage | string): void {
    const conn = this.connections.get(ws);
    if (!conn?.held) return this.send1(ws, message);
    conn.held.push(typeof message === 'string' ? message : JSON.stringify(message));
    // Redis too slow to answer: the extension reconnects (and resumes) rather than the relay holding without end.
    if (conn.held.length > MAX_HELD) ws.close(ERRORS.UNAVAILABLE.close, 'try again');
  }

  private send1(ws: WebSocket, message: ServerMessage | string): void {
    if (ws.readyState !== ws.OPEN) return;
    ws.send(typeof message === 'string' ? message : JSON.stringify(message));
    if (ws.bufferedAmount > (this.options.maxUnsentBytes ?? MAX_UNSENT_BYTES)) {
      this.options.log.warn({ agent: this.connections.get(ws)?.agent.extenUser, unsent: ws.bufferedAmount }, 'extension not reading: connection cut');
      ws.close(ERRORS.SLOW_CONSUMER.close, 'not reading');
      setTimeout(() => ws.terminate(), SLOW_CLOSE_GRACE_MS).unref();
    }
  }

  private beat(): void {
    const ping: ServerMessage = { type: 'ping', time: Date.now() };
    for (const ws of this.clients()) {
      const conn = this.connections.get(ws);
      if (!conn) continue;
      // No pong (nor any message) since the last beat: the peer is gone.
      if (!conn.alive) {
        ws.terminate();
        continue;
      }
      conn.alive = false;
      ws.ping();
      this.write(ws, ping);
    }
  }
}
