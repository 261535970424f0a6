import { readFileSync } from 'node:fs';
import { createServer, type RequestListener, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { Socket } from 'node:net';
import type { Config } from '../platform/config';
import type { Logger } from '../platform/log';
import { addressKey } from '../accounts/sign-in-throttle';

/** Complete request headers arrive in one packet from any real client; an idle connection is cut after this. */
const HEADERS_TIMEOUT_MS = 5_000;

export interface ServerLimits {
  /** Trusted reverse proxies (RELAY_TRUST_PROXY): all clients arrive through them, so they are not capped per address. */
  isTrustedProxy: (address: string) => boolean;
  /** Told of each connection refused, by reason (metrics). */
  onRefused?: (reason: 'per-address' | 'total') => void;
  log: Logger;
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
  const server = config.RELAY_TLS_CERT
    ? createHttpsServer({ ...timeouts, cert: readFileSync(config.RELAY_TLS_CERT), key: readFileSync(config.RELAY_TLS_KEY) }, app)
    : createServer(timeouts, app);
  // Beyond it Node closes new connections at once ('drop').
  server.maxConnections = config.RELAY_MAX_CONNECTIONS;
  server.on('drop', () => limits.onRefused?.('total'));
  const open = new Map<string, number>();
  let lastWarned = 0;
  server.on('connection', (socket: Socket) => {
    // Node's headersTimeout starts with the first byte: a connection that never sends one would
    // be held forever. It must send something within the headers timeout.
    // (Both listeners go with the first byte: held for a connection's life — an agent's WebSocket is
    // open all day — they kept a cleared timer and two closures per agent, bench/RESULTS.md.)
    const silent = setTimeout(() => socket.destroy(), timeouts.headersTimeout);
    const spoke = () => {
      clearTimeout(silent);
      socket.off('data', spoke);
      socket.off('close', spoke);
    };
    socket.on('data', spoke);
    socket.on('close', spoke);
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
    socket.once('close', () => {
      const left = (open.get(key) ?? 1) - 1;
      if (left === 0) open.delete(key);
      else open.set(key, left);
    });
  });
  return server;
}
