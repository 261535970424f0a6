import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import { parse as parseQuery } from 'node:querystring';
import type { Logger } from '../platform/log';
import { clientAddress, type ProxyTrust } from './client-address';
import { sendError } from './errors';
import type { PopupHandler } from './popup-endpoint';
import { requestId, logRequestAtDebug } from './request-log';

const PREFIX = '/voicenter/';

export interface FastPathOptions {
  endpoint: PopupHandler;
  /** The app's trust of reverse proxies (RELAY_TRUST_PROXY): the client's address as Express's requests give it. */
  trust: ProxyTrust;
  /** Under TLS: HSTS, as on every Express answer. */
  strictTransport: (res: ServerResponse) => void;
  log: Logger;
}

/**
 * Voicenter's requests on Node's own HTTP server, before Express (whose router and body parsers
 * cost a quarter of each request, bench/RESULTS.md): GET or POST /voicenter/<token> without an
 * Origin (Voicenter's cloud sends none). The request is the shared endpoint's (http/popup-endpoint.ts),
 * with the same request id, logging, HSTS and client address as Express gives; anything else —
 * a browser's CORS request, a path it does not read — goes to Express, unchanged.
 */
export function withPopupFastPath(app: RequestListener, { endpoint, trust, strictTransport, log }: FastPathOptions): RequestListener {
  return (req: IncomingMessage, res: ServerResponse) => {
    const url = req.url ?? '';
    if (!url.startsWith(PREFIX) || req.headers.origin !== undefined) return app(req, res);
    const q = url.indexOf('?');
    const token = url.slice(PREFIX.length, q < 0 ? undefined : q);
    // Escapes and sub-paths are Express's to read (and to refuse in its own words).
    if (token === '' || token.includes('/') || token.includes('%')) return app(req, res);
    strictTransport(res);
    const reqLog = log.child({ reqId: requestId(req, res) });
    logRequestAtDebug(req, res, reqLog);
    const query = q < 0 ? {} : (parseQuery(url.slice(q + 1)) as Record<string, unknown>);
    endpoint(req, res, { token, ip: clientAddress(req, trust), query, log: reqLog }).catch((err: unknown) => {
      reqLog.error({ err: (err as Error).message }, 'request failed');
      if (!res.headersSent) sendError(res, 'INTERNAL', 'internal error');
    });
  };
}
