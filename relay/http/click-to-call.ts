import { randomUUID } from 'node:crypto';
import type { RequestHandler } from 'express';
import { z } from 'zod';
import type { CountryCode } from 'libphonenumber-js';
import { parsePhone } from '../../shared/phone';
import type { Agents } from '../accounts/agents';
import type { CallFlow } from '../calls/call-flow';
import type { Logger } from '../platform/log';
import { placeCall } from '../voicenter/click2call';
import { sessionAgent } from './bearer';
import { rateLimited, sendError } from './errors';

/**
 * `POST /api/calls {"number"}` — an agent calls a number back through Voicenter's Click2Call: the
 * agent's own extension rings first, then the number. Only a phone number reaches Voicenter
 * (normalised to its international digits); an agent may place `perAgentPerMinute` calls a minute.
 * The call goes in the call log as an outgoing click-to-call. The answer says what Voicenter did.
 */
export interface ClickToCallOptions {
  agents: Agents;
  flow: CallFlow;
  service: { url: string; code: string; perAgentPerMinute: number } | null;
  country: CountryCode;
  log: Logger;
}

const bodySchema = z.strictObject({ number: z.string().trim().min(1).max(40) });
const MINUTE = 60_000;

export function clickToCall({ agents, flow, service, country, log }: ClickToCallOptions): RequestHandler {
  /** When each agent placed its recent calls (a slot is taken before Voicenter is asked: parallel requests count too). */
  const placed = new Map<string, number[]>();
  const takeSlot = (agent: string, limit: number): number => {
    const now = Date.now();
    const recent = (placed.get(agent) ?? []).filter((at) => now - at < MINUTE);
    if (recent.length >= limit) {
      placed.set(agent, recent);
      return recent[0]! + MINUTE - now;
    }
    placed.set(agent, [...recent, now]);
    return 0;
  };
  return async (req, res) => {
    const agent = await sessionAgent(req, agents);
    if (!agent) return sendError(res, 'UNAUTHORIZED', 'this session is unknown, expired or revoked: sign in again');
    if (!service) return sendError(res, 'UNAVAILABLE', 'click-to-call is not set up on this relay (voicenter.click2call in RELAY_CONFIG)');
    const body = bodySchema.safeParse(req.body);
    if (!body.success) return sendError(res, 'INVALID_FIELDS', 'send {"number": "<a phone number>"}');
    const phone = parsePhone(body.data.number, country);
    if (!phone.e164 || phone.withheld) return sendError(res, 'INVALID_FIELDS', `"${body.data.number.slice(0, 40)}" is not a phone number`);
    const wait = takeSlot(agent.extenUser, service.perAgentPerMinute);
    if (wait > 0) return rateLimited(res, wait, `at most ${service.perAgentPerMinute} calls a minute`, 'TOO_MANY');
    const target = phone.e164.slice(1);
    const result = await placeCall(service, agent.extenUser, target);
    log.info({ agent: agent.extenUser, phone: target, outcome: result.outcome, detail: result.detail }, 'click-to-call');
    if (result.outcome === 'unreachable') return sendError(res, 'UNAVAILABLE', 'Voicenter cannot be reached: try again in a moment');
    if (result.outcome === 'placed') {
      const now = Math.floor(Date.now() / 1000);
      const event = { ivrid: result.callId || `c2c-${randomUUID()}`, extenUser: agent.extenUser, phase: 'dialing', status: 'Click2Call', direction: 'outgoing', phone: target, callerName: '', originalCallerName: '', originalCallerId: '', did: '', cause: '', callStarted: now, callAnswered: null } as const;
      flow.handle(event, 'click2call').catch((err: unknown) => log.error({ err: (err as Error).message }, 'click-to-call not logged'));
    }
    res.json({ outcome: result.outcome, number: phone.local });
  };
}
