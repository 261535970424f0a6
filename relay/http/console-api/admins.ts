import express from 'express';
import { z } from 'zod';
import type { AdminView } from '../../../shared/console';
import { AdminExistsError, adminNameSchema, LastAdminError, NoSuchAdminError } from '../../accounts/admins';
import { passwordSchema } from '../../accounts/agents';
import { sendError } from '../errors';
import { adminOf, invalid, type ConsoleOptions } from './options';

const newAdminSchema = z.object({ username: adminNameSchema, password: passwordSchema });

/**
 * The Settings page's administrators: listed, added (name and password, the password rule of
 * every account), removed — never the last one, or nobody could sign in to the console again.
 */
export function adminRoutes(relay: ConsoleOptions, json: express.RequestHandler): express.Router {
  const router = express.Router();
  router.get('/admins', async (_req, res) => {
    const me = adminOf(res).username;
    const admins: AdminView[] = (await relay.admins.list()).map((a) => ({ username: a.username, createdAt: a.createdAt, you: a.username === me }));
    res.json(admins);
  });
  router.post('/admins', json, async (req, res) => {
    const parsed = newAdminSchema.safeParse(req.body);
    if (!parsed.success) return invalid(res, parsed.error);
    try {
      await relay.admins.add(parsed.data.username, parsed.data.password);
    } catch (err) {
      if (err instanceof AdminExistsError) return sendError(res, 'CONFLICT', err.message);
      throw err;
    }
    relay.log.info({ added: parsed.data.username, admin: adminOf(res).username }, 'administrator added in the console');
    res.status(201).json({ username: parsed.data.username });
  });
  router.delete('/admins/:username', async (req, res) => {
    const username = String(req.params.username);
    try {
      await relay.admins.remove(username);
    } catch (err) {
      if (err instanceof LastAdminError) return sendError(res, 'LAST_ADMIN', err.message);
      if (err instanceof NoSuchAdminError) return sendError(res, 'NOT_FOUND', err.message);
      throw err;
    }
    relay.log.info({ removed: username, admin: adminOf(res).username }, 'administrator removed in the console');
    res.status(204).end();
  });
  return router;
}
