import type { RequestHandler } from 'express';
import type { CountryCode } from 'libphonenumber-js';
import { z } from 'zod';
import { ivrid as ivridSchema } from '../../shared/call-event';
import { parsePhone } from '../../shared/phone';
import type { Agents } from '../accounts/agents';
import type { CallFlow } from '../calls/call-flow';
import type { LookupChain } from '../lookup/chain';
import { asChosen, choiceKey, type ContactChoices } from '../lookup/contact-choices';
import type { Logger } from '../platform/log';
import { sessionAgent } from './bearer';
import { sendError } from './errors';

/**
 * `POST /api/choices {"ivrid", "phone", "source", "id"}` — an agent chose which of several matching
 * contacts is calling: remembered for the number for the whole company, and the call's caller
 * becomes that contact at every station. Only a contact the lookup returns for that number can be
 * chosen, and only by an agent the call rang for.
 */
export interface ContactChoiceOptions {
  agents: Agents;
  chain: LookupChain;
  choices: ContactChoices;
  flow: CallFlow;
  country: CountryCode;
  log: Logger;
}

const bodySchema = z.strictObject({
  ivrid: ivridSchema,
  phone: z.string().trim().min(1).max(40),
  source: z.string().min(1).max(60),
  id: z.string().min(1).max(200),
});

export function chooseContact({ agents, chain, choices, flow, country, log }: ContactChoiceOptions): RequestHandler {
  return async (req, res) => {
    const agent = await sessionAgent(req, agents);
    if (!agent) return sendError(res, 'UNAUTHORIZED', 'this session is unknown, expired or revoked: sign in again');
    const body = bodySchema.safeParse(req.body);
    if (!body.success) {
      const issue = body.error.issues[0];
      const what = issue?.path.length ? `${issue.path.join('.')} ${issue.message}: ` : '';
      return sendError(res, 'INVALID_FIELDS', `${what}send {"ivrid": "...", "phone": "...", "source": "...", "id": "..."}`);
    }
    const { ivrid, source, id } = body.data;
    const phone = parsePhone(body.data.phone, country);
    if (phone.withheld) return sendError(res, 'INVALID_FIELDS', 'a withheld number has no contact to choose');
    if (!(await flow.stations(ivrid)).includes(agent.extenUser)) return sendError(res, 'FORBIDDEN', 'this call did not ring at your extension');
    const { identity } = await chain.trace(phone);
    const chosen = identity.choices?.find((c) => c.source === source && c.id === id);
    if (!chosen) return sendError(res, 'CONFLICT', 'that contact is not among the matches for this number (any more)');
    const chosenBy = agent.name || agent.extenUser;
    await choices.set({ number: choiceKey(phone), source, id, name: chosen.name, company: chosen.company, url: chosen.url, chosenBy, chosenAt: Date.now() });
    const now = asChosen({ ...identity, source }, chosen, chosenBy);
    await flow.announce(ivrid, now);
    log.info({ agent: agent.extenUser, ivrid, source }, 'contact chosen for a number with several matches');
    res.json({ identity: now });
  };
}
