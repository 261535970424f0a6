import { z } from 'zod';
import { ivrid } from '../../shared/call-event';

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

const TIMEOUT_MS = 10_000;

export async function placeCall(service: { url: string; code: string }, agentExtension: string, target: string): Promise<Click2CallResult> {
  let res: Response;
  try {
    res = await fetch(service.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ code: service.code, phone: agentExtension, target, action: 'call', format: 'json' }),
      redirect: 'error',
      signal: AbortSignal.timeout(TIMEOUT_MS),
    });
  } catch (err) {
    return { outcome: 'unreachable', callId: '', detail: (err as Error).message };
  }
  const parsed = answerSchema.safeParse(await res.json().catch(() => null));
  if (!res.ok || !parsed.success) return { outcome: 'refused', callId: '', detail: `HTTP ${res.status}, an answer without ERRORCODE` };
  const { ERRORCODE, ERRORMESSAGE, CALLID } = parsed.data;
  // The call id becomes the call's ivrid: one that breaks the ivrid rule is not used (the call is placed all the same).
  const callId = ERRORCODE === 0 ? ivrid.safeParse(CALLID ?? '') : undefined;
  return { outcome: OUTCOMES[ERRORCODE] ?? 'refused', callId: callId?.success ? callId.data : '', detail: `${ERRORCODE} ${ERRORMESSAGE ?? ''}`.trim() };
}
