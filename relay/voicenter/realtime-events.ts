import { z } from 'zod';
import { IVRID, IVRID_RULE, text, unixSeconds, type CallEvent, type CallPhase, type Direction } from '../../shared/call-event';

/**
 * Voicenter's Real-Time API events, read into the relay's call events. Field names and casing are
 * those of the captured events (../shared/VOICENTER-REALTIME.md §1.5, [CAP]: lowercase on the wire);
 * the documented camel-case spellings are accepted too. Anything else is unknown and dropped.
 */

const MAX_TEXT = 256;


const currentCall = z.looseObject({
  ivrid: text,
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
  ivruniqueid: text,
  ivrUniqueId: text,
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

/** One ExtensionEvent: a call phase for the relay's call flow, only a phone's status, or why it is dropped. */
export function readExtensionEvent(payload: unknown): ReadEvent {
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
  const ivrid = call?.ivrid || parsed.data.ivruniqueid || parsed.data.ivrUniqueId || '';
  if (!call || !ivrid) return { kind: 'ignored', why: `${reason} without a current call` };
  if (!IVRID.test(ivrid)) return { kind: 'ignored', why: `${reason} with an ivrid that ${IVRID_RULE}` };
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
      callStarted: call.callStarted ?? null,
      callAnswered: call.callAnswered ?? null,
    },
  };
}
