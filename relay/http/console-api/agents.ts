import { Readable } from 'node:stream';
import express from 'express';
import { z } from 'zod';
import { AgentExistsError, agentNameSchema, extenUserSchema, NoSuchAgentError, passwordSchema } from '../../accounts/agents';
import { AGENTS_PER_REQUEST } from '../../../shared/console';
import { importAgents, syncAgents, TooManyAgentsError, type Added } from '../../accounts/agents-import';
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
  const oneAtATime = bulkGuard();
  router.post('/agents/import', csv, async (req, res) => {
    if (typeof req.body !== 'string') return sendError(res, 'UNSUPPORTED_MEDIA_TYPE', 'send the CSV file as text/csv');
    const dryRun = req.query.dryRun === '1' || req.query.dryRun === 'true';
    const file = req.body;
    const run = () =>
      answerOnce(res, relay, (signal) => importAgents(Readable.from([file]), relay.agents, { dryRun, signal, max: AGENTS_PER_REQUEST }), {
        done: dryRun ? null : 'agents imported in the console',
        lost: 'agents import not delivered',
        summary: (r) => ({ added: r.added, bad: r.bad.length }),
      });
    try {
      // A preview hashes nothing: it need not wait its turn.
      await (dryRun ? run() : oneAtATime(res, run));
    } catch (err) {
      if (err instanceof ImportError) return invalid(res, err.message);
      if (err instanceof TooManyAgentsError) return sendError(res, 'TOO_LARGE', err.message);
      throw err;
    }
  });
  router.use(syncRoutes(relay, oneAtATime));
  return router;
}

/** One bulk add (import or sync) at a time: each keeps two of libuv's threads busy hashing. */
function bulkGuard() {
  let running = false;
  return async (res: express.Response, run: () => Promise<void>): Promise<void> => {
    if (running) return sendError(res, 'CONFLICT', 'an agents import or sync is already running');
    running = true;
    try {
      await run();
    } finally {
      running = false;
    }
  };
}

/**
 * Answers a bulk add (import, sync) once. Its generated passwords are in that answer only: when
 * the answer does not reach the network (the browser or a proxy gave up while the passwords were
 * hashed, the connection broke), the agents it added are withdrawn, none left that nobody can
 * sign in as, and the same file can be sent again. `done`: what the log says once it is answered.
 */
async function answerOnce<T>(
  res: express.Response,
  relay: ConsoleOptions,
  add: (signal: AbortSignal) => Promise<Added<T>>,
  words: { done: string | null; lost: string; summary: (answer: T) => Record<string, unknown> },
): Promise<void> {
  const admin = adminOf(res).username;
  const lost = new AbortController();
  // Closed with all of it handed to the network, or not: the browser or the connection went first.
  const delivered = new Promise<boolean>((resolve) =>
    res.once('close', () => {
      if (!res.writableFinished) lost.abort(new Error('the answer can no longer be delivered'));
      resolve(res.writableFinished);
    }),
  );
  let added: Added<T>;
  try {
    added = await add(lost.signal);
  } catch (err) {
    if (!lost.signal.aborted) throw err;
    return void relay.log.warn({ admin }, `${words.lost}: stopped before adding anyone`);
  }
  if (!lost.signal.aborted) {
    if (words.done) relay.log.info({ ...words.summary(added.answer), admin }, words.done);
    res.json(added.answer);
  }
  if (await delivered) return;
  try {
    const removed = await added.withdraw();
    if (removed > 0) relay.log.warn({ ...words.summary(added.answer), removed, admin }, `${words.lost}: the agents it added were removed`);
  } catch (err) {
    relay.log.error({ err: (err as Error).message, admin }, `${words.lost}, and the agents it added could not be removed`);
  }
}

/**
 * The account's extensions made agents, as `agents sync` does: whether it is set up, a preview
 * (?dryRun=1), then the sync (at most AGENTS_PER_REQUEST a time); generated passwords come back once.
 */
function syncRoutes(relay: ConsoleOptions, oneAtATime: ReturnType<typeof bulkGuard>): express.Router {
  const router = express.Router();
  router.get('/agents/sync', (_req, res) => void res.json({ available: relay.voicenterExtensions !== null }));
  router.post('/agents/sync', async (req, res) => {
    const service = relay.voicenterExtensions;
    if (!service) return sendError(res, 'UNAVAILABLE', 'the Voicenter account is not set up on this relay (voicenter.extensions or voicenter.click2call in RELAY_CONFIG)');
    const dryRun = req.query.dryRun === '1' || req.query.dryRun === 'true';
    try {
      await oneAtATime(res, () =>
        answerOnce(res, relay, async (signal) => syncAgents(await accountExtensions(service), relay.agents, { dryRun, signal, max: AGENTS_PER_REQUEST }), {
          done: dryRun ? null : 'agents synced from the Voicenter account in the console',
          lost: 'agents sync not delivered',
          summary: (s) => ({ added: s.report.added, listed: s.listed, later: s.later }),
        }),
      );
    } catch (err) {
      if (err instanceof ExtensionListError) return sendError(res, 'UNAVAILABLE', err.message);
      throw err;
    }
  });
  return router;
}
