import express from 'express';
import { z } from 'zod';
import { parsePhone } from '../../../shared/phone';
import { voicenterAnswer } from '../../calls/voicenter-answer';
import { sendError } from '../errors';
import { adminOf, invalid, type ConsoleOptions } from './options';

const testSchema = z.object({ phone: z.string().trim().min(1).max(64), cache: z.boolean().default(false) });

/** The Sources page: the chain and each one's circuit; "test a number" runs the whole chain with its trace; remembered contact choices. */
export function sourceRoutes(relay: ConsoleOptions, json: express.RequestHandler): express.Router {
  const router = express.Router();
  router.get('/sources', (_req, res) => void res.json(relay.chain.health()));
  router.post('/sources/test', json, async (req, res) => {
    const parsed = testSchema.safeParse(req.body);
    if (!parsed.success) return invalid(res, 'send {"phone": "..."}');
    const phone = parsePhone(parsed.data.phone, relay.config.RELAY_DEFAULT_COUNTRY);
    const traced = await relay.chain.trace(phone, parsed.data.cache);
    res.json({ phone, answer: voicenterAnswer(traced.identity), identity: traced.identity, steps: traced.steps, cache: traced.cache });
  });
  // Contacts agents chose for numbers with several matches: listed, and cleared by a supervisor.
  router.get('/choices', async (_req, res) => void res.json(await relay.choices.list()));
  router.delete('/choices/:number', async (req, res) => {
    const number = String(req.params.number).slice(0, 40);
    if (!(await relay.choices.remove(number))) return sendError(res, 'NOT_FOUND', `no contact is remembered for ${number}`);
    relay.log.info({ admin: adminOf(res).username }, 'a remembered contact choice cleared in the console');
    res.status(204).end();
  });
  return router;
}
