import { z } from 'zod';
import { ivrid } from '../../shared/call-event';
import { askJson, BodyError, type JsonAnswer } from '../platform/bounded-body';

/**
 * Voicenter's Click2Call (../shared/VOICENTER-REALTIME.md §2): the agent's extension rings first
 * (`phone`, its SIP code), then the number (`target`). Asked for JSON (`format=json`); the answer's
 * ERRORCODE says what happened: 0 placed, 1 invalid parameters, 2 Voicenter's own error, 3 the
 * agent's phone is offline, 4 the extension is blocked.
 */
export type Click2CallOutcome = 'placed' | 'invalid' | 'voicenter-error' | 'phone-offline' | 'blocked' | 'refused' | 'unreachable';

export interface Click2CallResult {
  outcome: Click2CallOutcome;
  /** Voicenter's call id (claimed to be the call's ivrid), "" when none. */
  callId: string;
  /** Voicenter's own words, for the log. */
  detail: string;
}

const OUTCOMES: Record<number, Click2CallOutcome> = { 0: 'placed', 1: 'invalid', 2: 'voicenter-error', 3: 'phone-offline', 4: 'blocked' };

const answerSchema = z.looseObject({
  ERRORCODE: z.union([z.number(), z.string()]).transform(Number),
  ERRORMESSAGE: z.string().max(500).optional(),
  CALLID: z.union([z.string(), z.number()]).transform(String).optional(),
});

/** Click2Call's answer, its last byte included, within these: a code, a message and a call id. */
const LIMITS = { timeoutMs: 10_000, maxBytes: 64 * 1024 };

export async function placeCall(service: { url: string; code: string }, agentExtension: string, target: string): Promise<Click2CallResult> {
  let res: JsonAnswer;
  try {
    const body = JSON.stringify({ code: service.code, phone: agentExtension, target, action: 'call', format: 'json' });
    res = await askJson(service.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body }, LIMITS);
  } catch (err) {
    // As any answer without ERRORCODE: the agent is told Voicenter refused, the log says why.
    if (err instanceof BodyError) return { outcome: 'refused', callId: '', detail: `an answer that cannot be read: ${err.message}` };
    return { outcome: 'unreachable', callId: '', detail: (err as Error).message };
  }
  const parsed = answerSchema.safeParse(res.json);
  if (!res.ok || !parsed.success) return { outcome: 'refused', callId: '', detail: `HTTP ${res.status}, an answer without ERRORCODE` };
  const { ERRORCODE, ERRORMESSAGE, CALLID } = parsed.data;
  // The call id becomes the call's ivrid: one that breaks the ivrid rule is not used (the call is placed all the same).
  const callId = ERRORCODE === 0 ? ivrid.safeParse(CALLID ?? '') : undefined;
  return { outcome: OUTCOMES[ERRORCODE] ?? 'refused', callId: callId?.success ? callId.data : '', detail: `${ERRORCODE} ${ERRORMESSAGE ?? ''}`.trim() };
}
