import cors from 'cors';
import express, { type NextFunction, type Request, type Response } from 'express';
import { parseCallEvent, type RequestFormat } from '../../shared/call-event';
import type { CallFlow } from '../calls/call-flow';
import { errorHandler, sendError } from './errors';
import type { Logger } from '../platform/log';
import type { PopupToken } from '../accounts/secrets';

/** Voicenter's requests are a few hundred bytes; anything near this is not Voicenter. */
export const MAX_BODY = '64kb';

export interface IngestOptions {
  token: PopupToken;
  /** Counts each answered request by format and status (metrics). */
  count?: (format: string, status: number) => void;
  /** Addresses allowed to call; null: any. */
  allowIp: ((ip: string | undefined) => boolean) | null;
  allowedOrigins: string[];
  flow: CallFlow;
  log: Logger;
}

/** The pop-up endpoint: GET or POST /voicenter/<token>, in the three formats of the Voicenter document. */
export function ingestRouter({ token, count, allowIp, allowedOrigins, flow, log }: IngestOptions): express.Router {
  const router = express.Router();
  if (count) {
    router.use('/voicenter/:token', (req, res, next) => {
      res.on('finish', () => count(String(res.locals.format ?? 'unreadable'), res.statusCode));
      next();
    });
  }

  const requestLog = (res: Response): Logger => (res.log) ?? log;
  const checkToken = (req: Request, res: Response, next: NextFunction) => {
    const given = req.params.token;
    if (typeof given !== 'string' || !token.matches(given)) {
      sendError(res, 'NOT_FOUND', 'not found');
      return;
    }
    if (allowIp && !allowIp(req.ip)) {
      requestLog(res).warn({ ip: req.ip }, 'pop-up request from an address not allowed');
      sendError(res, 'FORBIDDEN_ADDRESS', 'this address may not call the pop-up URL');
      return;
    }
    next();
  };

  const handle = async (req: Request, res: Response) => {
    const arrived = performance.now();
    const format = formatOf(req);
    res.locals.format = format;
    if (!format) {
      sendError(res, 'UNSUPPORTED_MEDIA_TYPE', 'send a query string, application/x-www-form-urlencoded or application/json');
      return;
    }
    const fields: unknown = format === 'query' ? req.query : req.body;
    const parsed = parseCallEvent(fields);
    if (!parsed.ok) {
      requestLog(res).warn({ format, error: parsed.error }, 'unreadable pop-up request');
      sendError(res, 'INVALID_FIELDS', parsed.error);
      return;
    }
    res.status(200).json(await flow.handle(parsed.event, format, arrived, requestLog(res)));
  };

  const allowBrowsers = cors({ origin: allowedOrigins, methods: ['GET', 'POST'], allowedHeaders: ['Content-Type'], maxAge: 600 });
  router.use(
    '/voicenter/:token',
    checkToken,
    // Voicenter's cloud sends no Origin: CORS is only for its extension in the agent's browser.
    (req, res, next) => (req.headers.origin === undefined ? next() : allowBrowsers(req, res, next)),
    express.json({ limit: MAX_BODY, type: ['application/json', 'application/*+json'] }),
    express.urlencoded({ limit: MAX_BODY, extended: false, parameterLimit: 200 }),
  );
  router.get('/voicenter/:token', handle);
  router.post('/voicenter/:token', handle);
  router.all('/voicenter/:token', (_req, res) => {
    sendError(res, 'METHOD_NOT_ALLOWED', 'use GET or POST', { Allow: 'GET, POST, OPTIONS' });
  });
  router.use('/voicenter/:token', errorHandler(log));
  return router;
}

/** Which of the three formats a request is in; undefined for anything else. */
function formatOf(req: Request): RequestFormat | undefined {
  if (req.method === 'GET') return 'query';
  if (req.is('application/json') || req.is('application/*+json')) return 'json';
  if (req.is('application/x-www-form-urlencoded')) return 'form';
  // A POST with no body but the fields in the query string, as some senders do.
  if (!req.headers['content-type'] && Number(req.headers['content-length'] ?? 0) === 0 && 'ivrid' in req.query) {
    return 'query';
  }
  return undefined;
}
