import { z } from 'zod';

/**
 * The wire between the relay and the extension: every message in each direction, declared
 * once and validated on both ends. The WebSocket subprotocol names this version.
 */
export const PROTOCOL = 'screenpop.v1';
/** Prefix of the second subprotocol entry that carries the session token (never in the URL). */
export const AUTH_PROTOCOL_PREFIX = 'auth.';

/** Most calls a resuming extension names as still open (it keeps 50 recent calls). */
export const MAX_OPEN_CALLS = 100;

/** Most contacts offered to choose from when a number matches several. */
export const MAX_CHOICES = 10;

/** One of several contacts a number matched, offered to the agent ("Choose contact"). */
export const choiceSchema = z.object({
  name: z.string().max(200),
  company: z.string().max(200),
  url: z.string().max(2048),
  /** The record's id in its source. */
  id: z.string().min(1).max(200),
  source: z.string().max(60),
});
export type Choice = z.infer<typeof choiceSchema>;

/** Who the caller is, as far as the relay found out. */
export const identitySchema = z.object({
  /** pending: a lookup is still running; an `identity` message follows. */
  status: z.enum(['pending', 'found', 'multiple', 'unknown']),
  name: z.string(),
  company: z.string(),
  url: z.string(),
  /** How many contacts matched. */
  total: z.number().int().nonnegative(),
  /** The matched contact's id in its source, "" when none. */
  id: z.string(),
  /** Which source answered (e.g. "directory"), "" when none. */
  source: z.string(),
  /** How it matched, in words: "exact number", "last 9 digits". */
  how: z.string(),
  /** Several matched: the contacts to choose from (and, once one was chosen, still offered to choose again). */
  choices: z.array(choiceSchema).max(MAX_CHOICES).optional(),
  /** The contact an agent chose for this number before (remembered for the whole company): that agent's name. */
  chosenBy: z.string().max(200).optional(),
});
export type Identity = z.infer<typeof identitySchema>;

/** A lookup is still running: an `identity` message follows. */
export const PENDING: Identity = Object.freeze({ status: 'pending', name: '', company: '', url: '', total: 0, id: '', source: '', how: '' });

/** Nobody found (or no number to look up). */
export const UNKNOWN: Identity = Object.freeze({ ...PENDING, status: 'unknown' });

export const callStateSchema = z.enum(['ringing', 'dialing', 'talking', 'hold', 'ended']);
export type CallState = z.infer<typeof callStateSchema>;

/** One call as one agent sees it. Each `call` message carries the whole view: applying it twice is harmless. */
export const callViewSchema = z.object({
  ivrid: z.string(),
  direction: z.enum(['incoming', 'outgoing', 'unknown']),
  state: callStateSchema,
  phone: z.object({
    raw: z.string(),
    e164: z.string().nullable(),
    local: z.string(),
    withheld: z.boolean(),
  }),
  callerName: z.string(),
  did: z.string(),
  /** The name the supervisor gave that line (did) in the console; "" when none (older relays send none). */
  line: z.string().default(''),
  /** Milliseconds since the epoch. */
  startedAt: z.number(),
  answeredAt: z.number().nullable(),
  endedAt: z.number().nullable(),
  cause: z.string(),
  /** me: this agent answered; other: another station did; null: nobody yet. */
  answeredBy: z.enum(['me', 'other']).nullable(),
  identity: identitySchema,
});
export type CallView = z.infer<typeof callViewSchema>;

const seq = z.number().int().positive();

export const serverMessageSchema = z.discriminatedUnion('type', [
  /**
   * First message on every connection, and again on an open one when the relay numbers this
   * agent's messages afresh (several relays: Redis away, or back). `seq` is the last sequence
   * number given to this agent in this `epoch`; a new epoch means numbering began again (the relay
   * restarted, or numbers on its own while Redis is away): the extension resumes as at a reconnection.
   */
  z.object({
    type: z.literal('hello'),
    seq: z.number().int().nonnegative(),
    epoch: z.string(),
    agent: z.object({ extenUser: z.string(), name: z.string() }),
    heartbeatMs: z.number().int().positive(),
    /** Click-to-call (`POST /api/calls`) is set up on this relay: the extension offers "Call back" only then. */
    clickToCall: z.boolean().default(false),
  }),
  z.object({ type: z.literal('call'), seq, call: callViewSchema }),
  /** A slow lookup finished after the call was delivered. */
  z.object({ type: z.literal('identity'), seq, ivrid: z.string(), identity: identitySchema }),
  /** Keeps the socket and the extension's service worker alive. */
  z.object({ type: z.literal('ping'), time: z.number() }),
  /**
   * Answer to a `resume` the relay cannot replay message by message (it restarted, or the messages
   * are past the replay window): the current view of recent calls follows as `call` messages.
   * `complete` is false when even that may miss calls: continuity was lost.
   */
  // seq: the agent's last number before the resync's calls (they follow it): the extension goes on from there.
  z.object({ type: z.literal('resync'), complete: z.boolean(), since: z.number(), seq: z.number().int().nonnegative().optional() }),
]);
export type ServerMessage = z.infer<typeof serverMessageSchema>;
/** Messages that take a per-agent sequence number (and can be replayed). */
export type SequencedMessage = Extract<ServerMessage, { type: 'call' | 'identity' }>;
export type Unsequenced<M> = M extends unknown ? Omit<M, 'seq'> : never;

export const clientMessageSchema = z.discriminatedUnion('type', [
  /** Everything up to `seq` was processed. */
  z.object({ type: z.literal('ack'), seq }),
  z.object({ type: z.literal('ping'), time: z.number() }),
  /**
   * After `hello`, when the extension processed messages before: where it stopped (the relay's
   * epoch and sequence number then, and when the last message came). The relay replays the rest.
   * `open`: the calls the extension still shows ringing or in progress. A replay carries their news
   * anyway; a resync sends their current view too, however long ago they last changed, so a call
   * that ended while the browser was away does not stay "ringing".
   */
  z.object({
    type: z.literal('resume'),
    epoch: z.string().max(64),
    seq: z.number().int().nonnegative(),
    since: z.number(),
    open: z.array(z.string().min(1).max(128)).max(MAX_OPEN_CALLS).optional(),
  }),
]);
export type ClientMessage = z.infer<typeof clientMessageSchema>;

function parseWith<T>(schema: z.ZodType<T>, data: string): T | null {
  let value: unknown;
  try {
    value = JSON.parse(data);
  } catch {
    return null;
  }
  const result = schema.safeParse(value);
  return result.success ? result.data : null;
}

export const parseServerMessage = (data: string): ServerMessage | null => parseWith(serverMessageSchema, data);
export const parseClientMessage = (data: string): ClientMessage | null => parseWith(clientMessageSchema, data);

/** Sign-in: POST /api/sessions. */
export const signInRequestSchema = z.object({
  extenUser: z.string().trim().min(1).max(64),
  password: z.string().min(1).max(256),
});
export type SignInRequest = z.infer<typeof signInRequestSchema>;
/** Its answer (201); the extension validates it before keeping the session. */
export const signInResponseSchema = z.object({
  token: z.string().min(16).max(256),
  expiresAt: z.number().int().positive(),
  agent: z.object({ extenUser: z.string().min(1).max(64), name: z.string().max(128) }),
});
export type SignInResponse = z.infer<typeof signInResponseSchema>;
