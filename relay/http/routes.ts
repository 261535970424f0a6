// Room relay/http/: everything spoken over HTTP — the pop-up endpoint, the agents' and the console's APIs, static files, errors, limits.
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import express from 'express';
import { errorBody } from '../../shared/errors';
import type { CallFlow } from '../calls/call-flow';
import type { Sql } from '../platform/sql';
import type { Metrics } from '../platform/metrics';
import type { VoicenterConfig } from '../voicenter/config';
import { apiRouter } from './agents-api';
import { clickToCall } from './click-to-call';
import { clientAddress, proxyTrust } from './client-address';
import { chooseContact } from './contact-choice';
import { consoleApi, type ConsoleOptions } from './console-api';
import type { LiveEvents } from './console-api/live-events';
import { serveConsole } from './console-static';
import { errorHandler, sendError } from './errors';
import { extensionUpdateRoutes, type ExtensionPackage } from './extension-update';
import { ipAllowList } from './ip-allow';
import { opsRouter, type OpsOptions } from './ops';
import { ingestRouter } from './popup-ingest';
import { popupEndpoint } from './popup-endpoint';
import { withPopupFastPath } from './popup-fast-path';
import { requestLog } from './request-log';
import { VoicenterTraffic } from './voicenter-traffic';

/** What the routes need: what the console's pages need, and the call flow, metrics and live events. */
export interface HttpParts extends Omit<ConsoleOptions, 'on' | 'traffic'> {
  sql: Sql;
  /** The signed extension for force-install; null when the extension is not built. */
  extensionPackage: () => Promise<ExtensionPackage | null>;
  /** Several relays: whether Redis answers. */
  redisAnswers?: () => Promise<boolean>;
  /** PostgreSQL: what the relay saw of it lately, and its own copy of the directory. */
  postgresStatus?: OpsOptions['postgresStatus'];
  flow: CallFlow;
  /** Voicenter's Click2Call, when set up (voicenter.click2call in RELAY_CONFIG). */
  click2call: VoicenterConfig['click2call'];
  metrics: Metrics;
  live: LiveEvents;
}

/** Served over TLS: browsers (the console, the extension's fetches) must never fall back to plain HTTP. */
const strictTransport = (res: ServerResponse) => res.setHeader('Strict-Transport-Security', 'max-age=31536000');

/**
 * The relay's HTTP: Voicenter's requests on the lean path (http/popup-fast-path.ts), everything else
 * on the Express app — every route, in order, ending with a JSON 404 and the one error handler.
 * `popupListener` is the pop-up port's (RELAY_POPUP_PORT): the same, for Voicenter's paths only.
 */
export function createHttpApp(p: HttpParts): { app: express.Express; listener: RequestListener; popupListener: RequestListener } {
  const { config, log } = p;
  const app = express();
  app.disable('x-powered-by');
  // Behind a reverse proxy, req.ip (allow-lists, throttles, logs) comes from X-Forwarded-For of the named proxies only,
  // and only when it is an IP address (clientAddress); Express's own getter would take any text there.
  const trust = proxyTrust(config.RELAY_TRUST_PROXY);
  app.set('trust proxy', trust);
  Object.defineProperty(app.request, 'ip', { configurable: true, enumerable: true, get: function (this: IncomingMessage) { return clientAddress(this, trust); } });
  app.set('etag', false);
  if (config.RELAY_TLS_CERT) {
    app.use((_req, res, next) => {
      strictTransport(res);
      next();
    });
  }
  app.use(requestLog(log));
  const traffic = new VoicenterTraffic(p.live.changed);
  app.use(opsRouter({ sql: p.sql, redisAnswers: p.redisAnswers, postgresStatus: p.postgresStatus, chain: p.chain, metrics: p.metrics, config }));
  app.use(
    '/console/api',
    consoleApi({ admins: p.admins, agents: p.agents, sockets: p.sockets, calls: p.calls, callLog: p.callLog, lines: p.lines, directory: p.directory, chain: p.chain, choices: p.choices, token: p.token, voicenterBoard: p.voicenterBoard, voicenterExtensions: p.voicenterExtensions, config, log, installationExtensionId: p.installationExtensionId, on: p.live.on, traffic }),
  );
  const endpoint = popupEndpoint({
    traffic,
    token: p.token,
    count: (format, status) => p.metrics.popupRequests.inc({ format, outcome: String(status) }),
    allowIp: ipAllowList(config.RELAY_POPUP_ALLOW_IPS),
    flow: p.flow,
  });
  app.use(ingestRouter({ endpoint, allowedOrigins: config.RELAY_POPUP_ORIGINS, log }));
  const calls = clickToCall({ agents: p.agents, flow: p.flow, service: p.click2call, country: config.RELAY_DEFAULT_COUNTRY, log });
  const choose = chooseContact({ agents: p.agents, chain: p.chain, choices: p.choices, flow: p.flow, country: config.RELAY_DEFAULT_COUNTRY, log });
  const sessionsChanged = () => {
    p.sockets.revalidate().catch((err: unknown) => log.error({ err: (err as Error).message }, 'sessions changed: open sockets are checked again at the next round'));
  };
  app.use('/api', apiRouter({ agents: p.agents, allowedOrigins: config.RELAY_EXTENSION_ORIGINS, onSessionsChanged: sessionsChanged, clickToCall: calls, chooseContact: choose, log }));
  app.use(extensionUpdateRoutes(p.extensionPackage));
  app.use(serveConsole());
  app.use((_req, res) => sendError(res, 'NOT_FOUND', 'not found'));
  app.use(errorHandler(log));
  const transport = config.RELAY_TLS_CERT ? strictTransport : () => undefined;
  const listener = withPopupFastPath(app as RequestListener, { endpoint, trust, strictTransport: transport, log });
  return { app, listener, popupListener: voicenterOnly(listener, transport) };
}

/**
 * The pop-up port's listener: a path under /voicenter/ goes on to the relay's own listener; anything
 * else — the console, /api, /ws (its upgrades: refuseUpgrade), /metrics, /healthz — is a JSON 404
 * before any route sees it. A dot segment, even escaped, could step out of /voicenter/ in a route
 * that resolves paths (the console's static files): refused too.
 */
export function voicenterOnly(listener: RequestListener, strictTransport: (res: ServerResponse) => void): RequestListener {
  return (req, res) => {
    if (isVoicenterPath(req.url ?? '')) return listener(req, res);
    strictTransport(res);
    sendError(res, 'NOT_FOUND', 'not found');
  };
}

/**
 * The pop-up port's WebSocket upgrades (it has no WebSocket): the JSON 404 of any other path, and
 * the connection ends. Without a listener Node would drop the connection with no answer at all.
 */
export function refuseUpgrade(_req: IncomingMessage, socket: Duplex): void {
  const text = JSON.stringify(errorBody('NOT_FOUND', 'not found'));
  socket.end(`HTTP/1.1 404 Not Found\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(text)}\r\nConnection: close\r\n\r\n${text}`);
}

const VOICENTER_PREFIX = '/voicenter/';

function isVoicenterPath(url: string): boolean {
  const path = url.split(/[?#]/, 1)[0]!;
  if (!path.startsWith(VOICENTER_PREFIX)) return false;
  return path.split('/').every((segment) => {
    let decoded: string;
    try {
      decoded = decodeURIComponent(segment);
    } catch {
      // Not decodable: Express refuses it in its own words (http/errors.ts), on the pop-up route.
      return true;
    }
    return decoded !== '.' && decoded !== '..' && !/[/\\]/.test(decoded);
  });
}
