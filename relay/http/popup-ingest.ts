import cors from 'cors';
import express, { type Response } from 'express';
import { errorHandler } from './errors';
import type { Logger } from '../platform/log';
import type { PopupHandler } from './popup-endpoint';

export interface IngestOptions {
  endpoint: PopupHandler;
  allowedOrigins: string[];
  log: Logger;
}

/**
 * The pop-up endpoint on Express, for what the lean path (http/popup-fast-path.ts) leaves to it:
 * requests from a browser (Voicenter's extension: CORS and its preflight) and paths it does not
 * read (a token with escapes, a trailing slash). The request itself is the shared endpoint's.
 */
export function ingestRouter({ endpoint, allowedOrigins, log }: IngestOptions): express.Router {
  const router = express.Router();
  const requestLog = (res: Response): Logger => res.log ?? log;
  const allowBrowsers = cors({ origin: allowedOrigins, methods: ['GET', 'POST'], allowedHeaders: ['Content-Type'], maxAge: 600 });
  router.all(
    '/voicenter/:token',
    // Voicenter's cloud sends no Origin: CORS is only for its extension in the agent's browser.
    (req, res, next) => (req.headers.origin === undefined ? next() : allowBrowsers(req, res, next)),
    (req, res, next) => endpoint(req, res, { token: req.params.token, ip: req.ip, query: req.query, log: requestLog(res) }).catch(next),
  );
  router.use('/voicenter/:token', errorHandler(log));
  return router;
}
