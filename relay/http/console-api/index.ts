import express from 'express';
import { CONSOLE_HEADER } from '../../../shared/console';
import { errorHandler, sendError } from '../errors';
import { adminRoutes } from './admins';
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
 * per page of the console (Live, Call log, Agents, Directory, Sources, Settings and its administrators).
 */
export function consoleApi(relay: ConsoleOptions): express.Router {
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
  router.post('/session', json, signInHandler(relay.admins, relay.log));
  router.use(requireAdmin(relay.admins));
  router.use(sessionRoutes(relay.admins), floorRoutes(relay), callLogRoutes(relay), agentRoutes(relay, json), directoryRoutes(relay, json), sourceRoutes(relay, json), settingsRoutes(relay, json), adminRoutes(relay, json));
  router.use((_req, res) => sendError(res, 'NOT_FOUND', 'not found'));
  router.use(errorHandler(relay.log));
  return router;
}

export type { ConsoleOptions } from './options';
