import express from 'express';
import { CONSOLE_HEADER } from '../../../shared/console';
import { errorHandler, sendError } from '../errors';
import { agentRoutes } from './agents';
import { callLogRoutes } from './call-log';
import { directoryRoutes } from './directory';
import { floorRoutes } from './floor';
import type { ConsoleOptions } from './options';
import { requireAdmin, sessionRoutes, signInHandler } from './session';
import { settingsRoutes } from './settings';
import { sourceRoutes } from './sources';

/**
 * The console's JSON API under /console/api: administrators only, cookie session; one module
 * per page of the console (Live, Call log, Agents, Directory, Sources, Settings).
 */
export function consoleApi(o: ConsoleOptions): express.Router {
  const router = express.Router();
  const json = express.json({ limit: '16kb' });
  // Every request: no caching of what administrators see; changes only from the console itself (CSRF).
  router.use((req, res, next) => {
    res.set('Cache-Control', 'no-store');
    if (req.method !== 'GET' && req.method !== 'HEAD' && req.get(CONSOLE_HEADER) !== '1') {
      return sendError(res, 'FORBIDDEN', `console requests must carry the ${CONSOLE_HEADER} header`);
    }
    next();
  });
  router.post('/session', json, signInHandler(o.admins, o.log));
  router.use(requireAdmin(o.admins));
  router.use(sessionRoutes(o.admins), floorRoutes(o), callLogRoutes(o), agentRoutes(o, json), directoryRoutes(o, json), sourceRoutes(o, json), settingsRoutes(o));
  router.use((_req, res) => sendError(res, 'NOT_FOUND', 'not found'));
  router.use(errorHandler(o.log));
  return router;
}

export type { ConsoleOptions } from './options';
