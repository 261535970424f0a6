import type { IncomingMessage, ServerResponse } from 'node:http';
import { parseCallEvent, type RequestFormat } from '../../shared/call-event';
import type { PopupToken } from '../accounts/secrets';
import type { CallFlow } from '../calls/call-flow';
import type { Logger } from '../platform/log';
import type { ErrorCode } from '../../shared/errors';
import { bodyErrorCode, sendBodyError, sendError, sendJson } from './errors';
import type { VoicenterTraffic } from './voicenter-traffic';
import { BodyError, parseFields, readBody } from './popup-body';

/**
 * Voicenter's pop-up request, GET or POST /voicenter/<token>, in the three formats of the Voicenter
 * document: the token, the address allow-list, the method, the format, the fields, the call flow,
 * the answer. On Node's own request and response, so that one implementation serves both the lean
 * path (http/popup-fast-path.ts: most requests, before Express) and the Express route (what the lean
 * path leaves to it: browsers' CORS requests, paths it does not read).
 */
export interface PopupEndpointOptions {
  token: PopupToken;
  /** Counts each answered request by format and status (metrics). */
  count?: (format: string, status: number) => void;
  /** Addresses allowed to call; null: any. */
  allowIp: ((ip: string | undefined) => boolean) | null;
  flow: CallFlow;
  /** The last request, for the console, and the warnings about refused ones, rate-limited. */
  traffic: VoicenterTraffic;
}

/** What the caller of the endpoint has read of the request: the token in the path, the client's address, the query, its logger. */
export interface PopupRequest {
  token: unknown;
  ip: string | undefined;
  query: Record<string, unknown>;
  log: Logger;
}

export type PopupHandler = (req: IncomingMessage, res: ServerResponse, given: PopupRequest) => Promise<void>;

export function popupEndpoint({ token, count, allowIp, flow, traffic }: PopupEndpointOptions): PopupHandler {
  return async (req, res, { token: given, ip, query, log }) => {
    const arrived = performance.now();
    let format: RequestFormat | undefined = undefined;
    let refused: ErrorCode | undefined;
    res.once('finish', () => {
      count?.(format ?? 'unreadable', res.statusCode);
      traffic.answered(format ?? 'unreadable', res.statusCode, refused);
    });
    /** Refused in words to the sender, and said once in a while in the log (never the token itself). */
    const refuse = (code: ErrorCode, words: string, warning: string, fields: Record<string, unknown> = {}) => {
      refused = code;
      traffic.warn(log, code, { ip, ...fields }, warning);
      sendError(res, code, words);
    };
    if (typeof given !== 'string' || !token.matches(given)) return refuse('NOT_FOUND', 'not found', 'pop-up request with a wrong token: nothing delivered (is the URL in Voicenter the one the relay printed?)');
    if (allowIp && !allowIp(ip)) return refuse('FORBIDDEN_ADDRESS', 'this address may not call the pop-up URL', 'pop-up request from an address not allowed (RELAY_POPUP_ALLOW_IPS)');
    if (req.method !== 'GET' && req.method !== 'POST') {
      refused = 'METHOD_NOT_ALLOWED';
      return sendError(res, 'METHOD_NOT_ALLOWED', 'use GET or POST', { Allow: 'GET, POST, OPTIONS' });
    }
    const kind = formatOf(req, query);
    const contentType = req.headers['content-type']?.slice(0, 100);
    if (typeof kind === 'object') return refuseBody(kind.refused);
    if (!kind) return refuse('UNSUPPORTED_MEDIA_TYPE', 'send a query string, application/x-www-form-urlencoded or application/json', 'unreadable pop-up request: not a format Voicenter sends', { contentType });
    let fields: unknown = query;
    try {
      if (kind !== 'query') fields = parseFields(kind, await readBody(req));
    } catch (err) {
      if (err instanceof BodyError) return refuseBody(err.type, err.limit);
      throw err;
    }
    // (Counted by its format once its fields could be read; a body that cannot be is "unreadable".)
    format = kind;
    // (Its times are believed within a window of now, when it arrived: TIME_WINDOW.)
    const parsed = parseCallEvent(fields, Date.now());
    if (!parsed.ok) return refuse('INVALID_FIELDS', parsed.error, 'unreadable pop-up request', { format, error: parsed.error });
    try {
      const answer = await flow.handle(parsed.event, format, arrived, log);
      // (Refused by the call flow, which logs it once per call: not warned again here.)
      if (answer.STATUS === 'ERROR') {
        refused = answer.CODE;
        sendError(res, answer.CODE, answer.ERROR);
      } else sendJson(res, 200, answer);
    } catch (err) {
      log.error({ err: (err as Error).message }, 'request failed');
      sendError(res, 'INTERNAL', 'internal error');
    }

    function refuseBody(type: string, limit?: number): void {
      refused = bodyErrorCode(type);
      traffic.warn(log, refused ?? 'body', { ip, contentType, error: type }, 'unreadable pop-up request');
      sendBodyError(res, type, limit);
    }
  };
}

/**
 * Which of the three formats a request is in; undefined for anything else; `refused` for a body
 * it cannot read at all (an encoding or charset it does not speak), in body-parser's words.
 */
function formatOf(req: IncomingMessage, query: Record<string, unknown>): RequestFormat | undefined | { refused: string } {
  if (req.method === 'GET') return 'query';
  const [type = '', ...params] = (req.headers['content-type'] ?? '').toLowerCase().split(';').map((s) => s.trim());
  const charset = params.find((p) => p.startsWith('charset='))?.slice(8).replace(/"/g, '');
  const encoding = (req.headers['content-encoding'] ?? 'identity').toLowerCase();
  const json = type === 'application/json' || /^application\/[\w.-]+\+json$/.test(type);
  const form = type === 'application/x-www-form-urlencoded';
  if ((json || form) && encoding !== 'identity') return { refused: 'encoding.unsupported' };
  if (json) return charset && !charset.startsWith('utf-') ? { refused: 'charset.unsupported' } : 'json';
  if (form) return charset && charset !== 'utf-8' ? { refused: 'charset.unsupported' } : 'form';
  // A POST with no body but the fields in the query string, as some senders do.
  if (type === '' && Number(req.headers['content-length'] ?? 0) === 0 && 'ivrid' in query) return 'query';
  return undefined;
}
