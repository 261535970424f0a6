import { z } from 'zod';
import { believedSeconds, ivrid as ivridRule, IVRID_RULE, MAX_TEXT, text, unixSeconds, type CallEvent, type CallPhase, type Direction } from '../../shared/call-event';

/**
 * Voicenter's Real-Time API events, read into the relay's call events. Field names and casing are
 * those of the captured events (../shared/VOICENTER-REALTIME.md §1.5, [CAP]: lowercase on the wire);
 * the documented camel-case spellings are accepted too. Anything else is unknown and dropped.
 */

/** An id as sent: held to the one ivrid rule once chosen (ivridRule), never cut to a length first as text is. */
const givenId = z.unknown().optional();

const currentCall = z.looseObject({
  ivrid: givenId,
  callerphone: text,
  callername: text,
  did: text,
  direction: text,
  callType: text,
  callstatus: text,
  originalCallerID: text,
  originalCallerName: text,
  callStarted: unixSeconds,
  callAnswered: unixSeconds,
});

export const extensionEventSchema = z.looseObject({
  reason: z.string().max(64),
  ivruniqueid: givenId,
  ivrUniqueId: givenId,
  cause: text,
  data: z.looseObject({
    extenUser: z.string().min(1).max(MAX_TEXT),
    userName: text,
    representativeStatus: z.number().nullable().optional(),
    currentCall: currentCall.nullable().optional(),
  }),
});
export type ExtensionEvent = z.infer<typeof extensionEventSchema>;

/** The phase each call reason reports (note §1.5); UNHOLD is talking again. */
const PHASE_OF_REASON: Record<string, CallPhase> = { NEWCALL: 'ringing', ANSWER: 'talking', HOLD: 'hold', UNHOLD: 'talking', HANGUP: 'hangup' };

function directionOf(call: z.infer<typeof currentCall>): Direction {
  const d = (call.direction || call.callType || '').toLowerCase();
  // A Click2Call's legs are calls the agent placed.
  return d === 'incoming' ? 'incoming' : d === 'outgoing' || d === 'click2call' ? 'outgoing' : 'unknown';
}

/** `status`: an event that tells only the phone's status (the board reads it, realtime-board.ts). */
export type ReadEvent = { kind: 'call'; event: CallEvent } | { kind: 'status' } | { kind: 'ignored'; why: string };

/**
 * One ExtensionEvent: a call phase for the relay's call flow, only a phone's status, or why it is
 * dropped. `arrivedMs`: when it was heard; its times beyond TIME_WINDOW of it are dropped, as a
 * pop-up request's are.
 */
export function readExtensionEvent(payload: unknown, arrivedMs = Date.now()): ReadEvent {
  const parsed = extensionEventSchema.safeParse(payload);
  if (!parsed.success) return { kind: 'ignored', why: `unreadable: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}` };
  const { reason, data } = parsed.data;
  const phase = PHASE_OF_REASON[reason];
  if (!phase) {
    // (userStatusUpdate and any reason not known: the representative's status is what it tells.)
    if (typeof data.representativeStatus === 'number') return { kind: 'status' };
    return { kind: 'ignored', why: `reason ${reason.slice(0, 64)} carries no call phase` };
  }
  const call = data.currentCall;
  const given = [call?.ivrid, parsed.data.ivruniqueid, parsed.data.ivrUniqueId].find((v) => v !== undefined && v !== null && v !== '');
  if (!call || given === undefined) return { kind: 'ignored', why: `${reason} without a current call` };
  const id = ivridRule.safeParse(given);
  if (!id.success) return { kind: 'ignored', why: `${reason} with an ivrid that ${IVRID_RULE}` };
  const ivrid = id.data;
  const direction = directionOf(call);
  return {
    kind: 'call',
    event: {
      ivrid,
      extenUser: data.extenUser,
      // An outgoing call's first event is dialing, not ringing.
      phase: phase === 'ringing' && (direction === 'outgoing' || call.callstatus === 'Dialing') ? 'dialing' : phase,
      status: reason,
      direction,
      // For outgoing calls callerphone is the party dialled (note §1.5): the other party either way.
      phone: call.callerphone ?? '',
      callerName: call.callername ?? '',
      originalCallerName: call.originalCallerName ?? '',
      originalCallerId: call.originalCallerID ?? '',
      did: call.did ?? '',
      cause: phase === 'hangup' ? (parsed.data.cause ?? '') : '',
      callStarted: believedSeconds(call.callStarted ?? null, arrivedMs),
      callAnswered: believedSeconds(call.callAnswered ?? null, arrivedMs),
    },
  };
}
