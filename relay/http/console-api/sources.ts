import express from 'express';
import { z } from 'zod';
import { parsePhone } from '../../../shared/phone';
import { voicenterAnswer } from '../../calls/voicenter-answer';
import { invalid, type ConsoleOptions } from './options';

const testSchema = z.object({ phone: z.string().trim().min(1).max(64), cache: z.boolean().default(false) });

/** The Sources page: the chain and each one's circuit; "test a number" runs the whole chain with its trace. */
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
  return router;
}
