import { Readable } from 'node:stream';
import express from 'express';
import { z } from 'zod';
import { AgentExistsError, agentNameSchema, extenUserSchema, NoSuchAgentError, passwordSchema } from '../../accounts/agents';
import { importAgents, syncAgents } from '../../accounts/agents-import';
import { newPassword } from '../../accounts/secrets';
import { ImportError } from '../../platform/csv-records';
import { accountExtensions, ExtensionListError } from '../../voicenter/extension-list';
import { sendError } from '../errors';
import { adminOf, floorAgents, invalid, type ConsoleOptions } from './options';

const newAgentSchema = z.object({ extenUser: z.string().trim().pipe(extenUserSchema), name: agentNameSchema.default(''), password: passwordSchema.optional() });
const agentChangeSchema = z.object({ name: agentNameSchema.optional(), enabled: z.boolean().optional() });
const newPasswordSchema = z.object({ password: passwordSchema.optional() });

/** The Agents page: the same rules as `npm run relay -- agents …`. */
export function agentRoutes(relay: ConsoleOptions, json: express.RequestHandler): express.Router {
  const router = express.Router();
  router.get('/agents', async (_req, res) => void res.json(await floorAgents(relay)));
  router.post('/agents', json, async (req, res) => {
    const parsed = newAgentSchema.safeParse(req.body);
    if (!parsed.success) return invalid(res, parsed.error);
    const password = parsed.data.password ?? newPassword();
    try {
      await relay.agents.add(parsed.data.extenUser, parsed.data.name, password);
    } catch (err) {
      if (err instanceof AgentExistsError) return sendError(res, 'CONFLICT', err.message);
      throw err;
    }
    relay.log.info({ agent: parsed.data.extenUser, admin: adminOf(res).username }, 'agent added in the console');
    res.status(201).json({ extenUser: parsed.data.extenUser, password: parsed.data.password ? undefined : password });
  });
  router.patch('/agents/:extenUser', json, async (req, res) => {
    const parsed = agentChangeSchema.safeParse(req.body);
    if (!parsed.success) return invalid(res, parsed.error);
    try {
      const agent = await relay.agents.update(String(req.params.extenUser), parsed.data);
      if (parsed.data.enabled === false) await relay.sockets.revalidate();
      relay.log.info({ agent: agent.extenUser, change: parsed.data, admin: adminOf(res).username }, 'agent changed in the console');
      res.json(agent);
    } catch (err) {
      if (err instanceof NoSuchAgentError) return sendError(res, 'NOT_FOUND', err.message);
      throw err;
    }
  });
  // Removing an agent ends its sessions: its browsers are signed out at once.
  router.delete('/agents/:extenUser', async (req, res) => {
    const extenUser = String(req.params.extenUser);
    try {
      await relay.agents.remove(extenUser);
    } catch (err) {
      if (err instanceof NoSuchAgentError) return sendError(res, 'NOT_FOUND', err.message);
      throw err;
    }
    await relay.sockets.revalidate();
    relay.log.info({ agent: extenUser, admin: adminOf(res).username }, 'agent removed in the console');
    res.status(204).end();
  });
  router.post('/agents/:extenUser/password', json, async (req, res) => {
    const given = newPasswordSchema.safeParse(req.body ?? {});
    if (!given.success) return invalid(res, given.error);
    const password = given.data.password ?? newPassword();
    try {
      await relay.agents.setPassword(String(req.params.extenUser), password);
    } catch (err) {
      if (err instanceof NoSuchAgentError) return sendError(res, 'NOT_FOUND', err.message);
      throw err;
    }
    await relay.sockets.revalidate();
    res.json({ password: given.data.password ? undefined : password });
  });
  // Agents in bulk, like contacts: a preview first (?dryRun=1), then the import; generated passwords come back once.
  const csv = express.text({ type: ['text/csv', 'text/plain', 'application/vnd.ms-excel'], limit: '2mb' });
  router.post('/agents/import', csv, async (req, res) => {
    if (typeof req.body !== 'string') return sendError(res, 'UNSUPPORTED_MEDIA_TYPE', 'send the CSV file as text/csv');
    const dryRun = req.query.dryRun === '1' || req.query.dryRun === 'true';
    try {
      const report = await importAgents(Readable.from([req.body]), relay.agents, { dryRun });
      if (!dryRun) relay.log.info({ added: report.added, bad: report.bad.length, admin: adminOf(res).username }, 'agents imported in the console');
      res.json(report);
    } catch (err) {
      if (err instanceof ImportError) return invalid(res, err.message);
      throw err;
    }
  });
  router.use(syncRoutes(relay));
  return router;
}

/**
 * The account's extensions made agents, as `agents sync` does: whether it is set up, a preview
 * (?dryRun=1), then the sync; generated passwords come back once. One sync at a time.
 */
function syncRoutes(relay: ConsoleOptions): express.Router {
  const router = express.Router();
  let running = false;
  router.get('/agents/sync', (_req, res) => void res.json({ available: relay.voicenterExtensions !== null }));
  router.post('/agents/sync', async (req, res) => {
    const service = relay.voicenterExtensions;
    if (!service) return sendError(res, 'UNAVAILABLE', 'the Voicenter account is not set up on this relay (voicenter.extensions or voicenter.click2call in RELAY_CONFIG)');
    if (running) return sendError(res, 'CONFLICT', 'a sync with the Voicenter account is already running');
    running = true;
    const dryRun = req.query.dryRun === '1' || req.query.dryRun === 'true';
    try {
      const sync = await syncAgents(await accountExtensions(service), relay.agents, { dryRun });
      if (!dryRun) relay.log.info({ added: sync.report.added, listed: sync.listed, admin: adminOf(res).username }, 'agents synced from the Voicenter account in the console');
      res.json(sync);
    } catch (err) {
      if (err instanceof ExtensionListError) return sendError(res, 'UNAVAILABLE', err.message);
      throw err;
    } finally {
      running = false;
    }
  });
  return router;
}
