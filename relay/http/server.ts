import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type RequestListener, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { Socket } from 'node:net';
import type { Config } from '../platform/config';
import type { Logger } from '../platform/log';
import { addressKey } from '../accounts/sign-in-throttle';

/** Complete request headers arrive in one packet from any real client; an idle connection is cut after this. */
const HEADERS_TIMEOUT_MS = 5_000;

export interface ServerLimits {
  /** The reverse proxies RELAY_TRUST_PROXY names by address or range: many clients arrive through each, so they are not capped per address. */
  isTrustedProxy: (address: string) => boolean;
  /** Told of each connection refused, by reason (metrics). */
  onRefused?: (reason: 'per-address' | 'total') => void;
  log: Logger;
}

/**
 * Each connection's timer until its first request: Node's headersTimeout starts with the first
 * byte, so a connection that never sends one would be held forever. Found by socket (no closure
 * per connection), cleared by the server's own request and upgrade events — not by a 'data'
 * listener, which makes Node read every request through JavaScript instead of its parser's
 * direct read (bench/RESULTS.md, issue 16).
 */
const firstRequest = new WeakMap<Socket, NodeJS.Timeout>();
function awaitFirstRequest(socket: Socket, ms: number): void {
  firstRequest.set(socket, setTimeout(() => socket.destroy(), ms));
  // 'on', not 'once': a socket closes once, and once() wraps and binds the listener (~110 bytes a connection).
  socket.on('close', forgetFirstRequest);
}
function forgetFirstRequest(this: Socket): void {
  const timer = firstRequest.get(this);
  if (timer === undefined) return;
  clearTimeout(timer);
  firstRequest.delete(this);
}

/**
 * The HTTP(S) server around the app, with limits on connections: a client cannot hold the
 * relay's file descriptors (RELAY_MAX_CONNECTIONS in total, RELAY_MAX_CONNECTIONS_PER_IP per
 * client address, IPv6 by /64), nor keep a connection open by sending nothing (headers within
 * 5 s) or sending slowly (the whole request within RELAY_REQUEST_TIMEOUT_MS).
 */
export function createHttpServer(config: Config, app: RequestListener, limits: ServerLimits): Server {
  // Node checks these timeouts every connectionsCheckingInterval (30 s by default, longer than the timeouts themselves).
  const timeouts = {
    requestTimeout: config.RELAY_REQUEST_TIMEOUT_MS,
    headersTimeout: Math.min(HEADERS_TIMEOUT_MS, config.RELAY_REQUEST_TIMEOUT_MS),
    connectionsCheckingInterval: Math.min(1_000, Math.ceil(config.RELAY_REQUEST_TIMEOUT_MS / 2)),
  };
  const tls = Boolean(config.RELAY_TLS_CERT);
  // Behind TLS a silent client is cut during the handshake, and after it the request arrives on
  // the TLS socket: that one waits for its first request (the raw socket's bytes are the TLS layer's).
  const server = tls
    ? createHttpsServer({ ...timeouts, handshakeTimeout: timeouts.headersTimeout, cert: readFileSync(config.RELAY_TLS_CERT), key: readFileSync(config.RELAY_TLS_KEY) }, app)
    : createServer(timeouts, app);
  if (tls) server.on('secureConnection', (socket: Socket) => awaitFirstRequest(socket, timeouts.headersTimeout));
  // Beyond it Node closes new connections at once ('drop').
  server.maxConnections = config.RELAY_MAX_CONNECTIONS;
  server.on('drop', () => limits.onRefused?.('total'));
  const open = new Map<string, number>();
  let lastWarned = 0;
  // One listener for every counted connection, finding its address again (Node keeps the peer's
  // address after the close): no closure per connection (bench/RESULTS.md, issue 16).
  function release(this: Socket): void {
    const key = addressKey(this.remoteAddress ?? '');
    const left = (open.get(key) ?? 1) - 1;
    if (left === 0) open.delete(key);
    else open.set(key, left);
  }
  server.on('request', (req: IncomingMessage) => forgetFirstRequest.call(req.socket));
  server.on('upgrade', (req: IncomingMessage) => forgetFirstRequest.call(req.socket));
  server.on('connection', (socket: Socket) => {
    if (!tls) awaitFirstRequest(socket, timeouts.headersTimeout);
    const address = socket.remoteAddress ?? '';
    if (limits.isTrustedProxy(address)) return;
    const key = addressKey(address);
    const count = (open.get(key) ?? 0) + 1;
    if (count > config.RELAY_MAX_CONNECTIONS_PER_IP) {
      socket.destroy();
      limits.onRefused?.('per-address');
      // One line now and then, not one per refused connection (a flood would flood the log).
      if (Date.now() - lastWarned > 10_000) {
        lastWarned = Date.now();
        limits.log.warn({ ip: key, limit: config.RELAY_MAX_CONNECTIONS_PER_IP }, 'connections refused: too many from one address');
      }
      return;
    }
    open.set(key, count);
    socket.on('close', release);
  });
  return server;
}
