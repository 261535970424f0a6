import express, { type Request } from 'express';
import type { ConsoleSettings } from '../../../shared/console';
import { EXTENSION_ID } from '../../platform/config';
import { sendError } from '../errors';
import { lineNameSchema, lineNumberSchema } from '../../calls/line-names';
import { adminOf, invalid, type ConsoleOptions } from './options';

/** The Settings page: what to paste in Voicenter and in Chrome policies; rotating the pop-up token. */
export function settingsRoutes(relay: ConsoleOptions, json: express.RequestHandler): express.Router {
  const router = express.Router();
  const settings = (req: Request): ConsoleSettings => ({
    popupUrl: `${req.protocol}://${req.get('host') ?? 'localhost'}/voicenter/${relay.token.value}`,
    tokenFromEnvironment: relay.token.fromEnvironment,
    extensionId: EXTENSION_ID,
    installationExtensionId: relay.installationExtensionId,
    popupOrigins: relay.config.RELAY_POPUP_ORIGINS,
    extensionOrigins: relay.config.RELAY_EXTENSION_ORIGINS,
    popupAllowIps: relay.config.RELAY_POPUP_ALLOW_IPS,
  });
  router.get('/settings', (req, res) => void res.json(settings(req)));
  // Names for the lines calls come in on, shown to agents in the notification.
  router.get('/lines', (_req, res) => void res.json(relay.lines.list()));
  router.put('/lines/:line', json, async (req, res) => {
    const line = lineNumberSchema.safeParse(req.params.line);
    const name = lineNameSchema.safeParse((req.body as { name?: unknown } | undefined)?.name);
    if (!line.success) return invalid(res, line.error);
    if (!name.success) return invalid(res, name.error);
    await relay.lines.set(line.data, name.data);
    relay.log.info({ line: line.data, admin: adminOf(res).username }, 'line named in the console');
    res.json(relay.lines.list());
  });
  router.delete('/lines/:line', async (req, res) => {
    if (!(await relay.lines.remove(String(req.params.line)))) return sendError(res, 'NOT_FOUND', 'that line has no name');
    res.status(204).end();
  });
  router.post('/settings/rotate-token', async (req, res) => {
    if (relay.token.fromEnvironment) return sendError(res, 'CONFLICT', 'the pop-up token is set by RELAY_VOICENTER_TOKEN: change it there');
    await relay.token.rotate();
    relay.log.warn({ admin: adminOf(res).username }, 'pop-up token rotated: update the URL in Voicenter');
    res.json(settings(req));
  });
  return router;
}
