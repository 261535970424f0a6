import express, { type Request } from 'express';
import type { ConsoleSettings } from '../../../shared/console';
import { EXTENSION_ID } from '../../platform/config';
import { sendError } from '../errors';
import { adminOf, type ConsoleOptions } from './options';

/** The Settings page: what to paste in Voicenter and in Chrome policies; rotating the pop-up token. */
export function settingsRoutes(relay: ConsoleOptions): express.Router {
  const router = express.Router();
  const settings = (req: Request): ConsoleSettings => ({
    popupUrl: `${req.protocol}://${req.get('host') ?? 'localhost'}/voicenter/${relay.token.value}`,
    tokenFromEnvironment: relay.token.fromEnvironment,
    extensionId: EXTENSION_ID,
    popupOrigins: relay.config.RELAY_POPUP_ORIGINS,
    extensionOrigins: relay.config.RELAY_EXTENSION_ORIGINS,
    popupAllowIps: relay.config.RELAY_POPUP_ALLOW_IPS,
  });
  router.get('/settings', (req, res) => void res.json(settings(req)));
  router.post('/settings/rotate-token', (req, res) => {
    if (relay.token.fromEnvironment) return sendError(res, 'CONFLICT', 'the pop-up token is set by RELAY_VOICENTER_TOKEN: change it there');
    relay.token.rotate();
    relay.log.warn({ admin: adminOf(res).username }, 'pop-up token rotated: update the URL in Voicenter');
    res.json(settings(req));
  });
  return router;
}
