import { z } from 'zod';

/**
 * One Voicenter pop-up request, whatever format it came in (query string, form or JSON),
 * read into the phase of the call it reports. See voicenter-popup-api.txt.
 */
export const CALL_PHASES = ['ringing', 'dialing', 'talking', 'hold', 'hangup', 'unknown'] as const;
export type CallPhase = (typeof CALL_PHASES)[number];

export const REQUEST_FORMATS = ['query', 'form', 'json'] as const;
export type RequestFormat = (typeof REQUEST_FORMATS)[number];
/** Where a call event came from: a pop-up request in one of its formats, Voicenter's Real-Time API, or a click-to-call the relay placed. */
export type EventOrigin = RequestFormat | 'realtime' | 'click2call';

export type Direction = 'incoming' | 'outgoing' | 'unknown';

export interface CallEvent {
  ivrid: string;
  /** The SIP user of the station this request is about; null when Voicenter did not say. */
  extenUser: string | null;
  phase: CallPhase;
  /** The status word exactly as sent (for the log), "" when none. */
  status: string;
  direction: Direction;
  /** The caller's number as sent; "" when withheld or absent. */
  phone: string;
  callerName: string;
  originalCallerName: string;
  originalCallerId: string;
  did: string;
  cause: string;
  /** Unix seconds, null when not sent or unreadable. */
  callStarted: number | null;
  callAnswered: number | null;
}

/** A text field is kept to this many characters: longer is cut, never refused (the call must still pop). */
export const MAX_TEXT = 256;

/** The first `max` characters (code points: a cut never splits one in two). */
export function cut(value: string, max = MAX_TEXT): string {
  if (value.length <= max) return value;
  return Array.from(value).slice(0, max).join('');
}

/** A field Voicenter sends as text; JSON may carry it as a number or boolean. Never a list or object. */
export const text = z
  .union([z.string(), z.number(), z.boolean(), z.null()], {
    error: 'expected text',
  })
  .transform((v) => cut(v === null ? '' : String(v).trim()).trim())
  .optional();

/** Unix seconds as a number or numeric text; 0 and anything unreadable mean "not yet". */
export const unixSeconds = z
  .union([z.number(), z.string().max(32), z.null()], { error: 'expected a time in seconds' })
  .transform((v) => {
    const n = typeof v === 'string' ? Number(v) : v;
    return typeof n === 'number' && Number.isFinite(n) && n > 0 ? Math.trunc(n) : null;
  })
  .optional();

const currentCall = z.object({
  callername: text,
  callerphone: text,
  callstatus: text,
  direction: text,
  callType: text,
  ivrid: text,
  extenUser: text,
  did: text,
  originalCallerID: text,
  originalCallerName: text,
  cause: text,
  callStarted: unixSeconds,
  callAnswered: unixSeconds,
});

/**
 * What an ivrid may be, from whichever source (the pop-up URL, the Real-Time API, Click2Call's
 * answer): an id, never a path, a line or markup. Voicenter's are letters and digits
 * (20220916103546022555eb61e755c08a, voicenter-popup-api.txt; the same in VOICENTER-REALTIME.md);
 * '.', '_' and '-' stay for ids of other forms (Asterisk's 1703759105.42, the relay's c2c-<uuid>).
 * No ':': it separates the parts of the relays' keys in Redis (call:<ivrid>), and no real id has one.
 */
export const IVRID = /^[\w.-]{1,128}$/;
export const IVRID_RULE = 'must be 1 to 128 letters, digits or . _ -';

/** An ivrid as a source sends it (text, or a JSON number), trimmed, held to the rule. */
export const ivrid = z
  .union([z.string(), z.number()], { error: 'is required' })
  .transform((v) => String(v).trim())
  .pipe(z.string().regex(IVRID, IVRID_RULE));

/**
 * How far from a request's arrival the call times it carries are believed. A call is heard of
 * as it rings, or (the Real-Time API catching up) while it goes on: a start more than a day before
 * is no call's; one after the arrival is wrong but for the two clocks' drift (a quarter of an hour
 * allowed). Beyond, the time is dropped and the call is counted from the arrival: a time in the
 * year 5138 cannot be written as a date (the export failed on it), and a call dated far ahead
 * would outlive the log's retention.
 */
export const TIME_WINDOW = { beforeMs: 24 * 60 * 60_000, afterMs: 15 * 60_000 } as const;

/** Unix seconds believed for a request that arrived at `arrivedMs`; null beyond TIME_WINDOW. */
export function believedSeconds(seconds: number | null, arrivedMs: number): number | null {
  if (seconds === null) return null;
  const ms = seconds * 1000;
  return ms >= arrivedMs - TIME_WINDOW.beforeMs && ms <= arrivedMs + TIME_WINDOW.afterMs ? seconds : null;
}

const request = z.object({
  ivrid,
  extenUser: text,
  phone: text,
  callerName: text,
  did: text,
  status: text,
  statusCall: text,
  direction: text,
  cause: text,
  originalCallerID: text,
  callStarted: unixSeconds,
  callAnswered: unixSeconds,
  currentCall: z.union([currentCall, z.null()], { error: 'expected an object' }).optional(),
});

const STATUS_PHASE: Record<string, CallPhase> = {
  ringing: 'ringing',
  ring: 'ringing',
  dialing: 'dialing',
  dial: 'dialing',
  talking: 'talking',
  answer: 'talking',
  answered: 'talking',
  hold: 'hold',
  onhold: 'hold',
  hangup: 'hangup',
  hungup: 'hangup',
  ended: 'hangup',
  end: 'hangup',
};

function phaseOf(status: string, cause: string): CallPhase {
  // The document's own hang-up sample still says "Talking" and carries only a cause.
  if (cause !== '') return 'hangup';
  return STATUS_PHASE[status.toLowerCase().replace(/[\s_-]/g, '')] ?? 'unknown';
}

function directionOf(...words: (string | undefined)[]): Direction {
  for (const word of words) {
    const w = word?.toLowerCase();
    if (w === 'incoming' || w === 'in' || w === 'inbound') return 'incoming';
    if (w === 'outgoing' || w === 'out' || w === 'outbound') return 'outgoing';
  }
  return 'unknown';
}

export type ParseResult = { ok: true; event: CallEvent } | { ok: false; error: string };

/**
 * Turns the fields of any of the three request formats into a call event, or says in words what
 * is wrong. `arrivedMs`: when the request arrived; its times beyond TIME_WINDOW of it are dropped.
 * Without it (a request read again, its arrival unknown) the times are as sent.
 */
export function parseCallEvent(input: unknown, arrivedMs?: number): ParseResult {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    return { ok: false, error: 'expected an object of call fields' };
  }
  const parsed = request.safeParse(input);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue?.path.join('.') || 'request';
    return { ok: false, error: `${where}: ${issue?.message ?? 'invalid'}` };
  }
  const r = parsed.data;
  const cc = r.currentCall ?? {};
  const believed = (seconds: number | null) => (arrivedMs === undefined ? seconds : believedSeconds(seconds, arrivedMs));
  const first = (...values: (string | undefined)[]) => values.find((v) => v !== undefined && v !== '') ?? '';
  const status = first(r.status, r.statusCall, cc.callstatus);
  const cause = first(r.cause, cc.cause);
  let phase = phaseOf(status, cause);
  const direction = directionOf(r.direction, cc.direction, cc.callType);
  if (phase === 'ringing' && direction === 'outgoing') phase = 'dialing';
  return {
    ok: true,
    event: {
      ivrid: r.ivrid,
      extenUser: first(r.extenUser, cc.extenUser) || null,
      phase,
      status,
      direction: phase === 'dialing' && direction === 'unknown' ? 'outgoing' : direction,
      phone: first(r.phone, cc.callerphone, r.originalCallerID, cc.originalCallerID),
      callerName: first(r.callerName, cc.callername),
      originalCallerName: first(cc.originalCallerName),
      originalCallerId: first(r.originalCallerID, cc.originalCallerID),
      did: first(r.did, cc.did),
      cause,
      callStarted: believed(r.callStarted ?? cc.callStarted ?? null),
      callAnswered: believed(r.callAnswered ?? cc.callAnswered ?? null),
    },
  };
}
