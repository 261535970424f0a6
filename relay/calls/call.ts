import type { CallPhase, Direction } from '../../shared/call-event';
import type { Identity } from '../../shared/messages';

/**
 * A call as the relay knows it, whichever store it was read from: the call log's rows
 * (call-log-store.ts, postgres-call-log.ts) and Redis's list of requests (relay/cluster/) are
 * turned into this, and call-state.ts works on it alone — so that a view reads fields, never
 * database columns or JSON text.
 *
 * The records (phone, answered, ended) are replaced, never changed in place: a copy of the call
 * made before a request (`{ ...call }`) is what the call was before it.
 */
export interface Call {
  readonly ivrid: string;
  direction: Direction;
  /** The caller's number as first sent; null while every request withheld it. */
  phone: CallerNumber | null;
  /** The caller's name as Voicenter sent it ('' when none). */
  callerName: string;
  /** The number called (Voicenter's did: the line); '' while unknown. */
  did: string;
  /** When the call started (ms). */
  startedAt: number;
  /** The first answer; undefined while nobody has answered. */
  answered?: Answered;
  /** The end for every station (a hang-up naming none, or the answerer's); undefined while going on somewhere. */
  ended?: Ended;
  /** The latest hang-up's cause ('' before any): what a station that heard no hang-up of its own is shown. */
  cause: string;
  /** Who is calling, once a lookup has said (parsed once, when read); null before. */
  identity: Identity | null;
  /** When the call last changed (ms). */
  updatedAt: number;
  /**
   * What happened at each station, in the order it was heard. Only ever appended to
   * (station-index.ts folds in what was appended since it last looked).
   */
  events: StationEvent[];
}

export interface CallerNumber {
  /** Exactly as sent. */
  readonly raw: string;
  readonly e164: string | null;
  /** As the relay's country writes it. */
  readonly local: string;
}

export interface Answered {
  /** When (ms): Voicenter's answer time, else the answering request's arrival. */
  readonly at: number;
  /** The station that answered; null while only a request naming no station said it was answered. */
  readonly by: string | null;
}

export interface Ended {
  /** When (ms). */
  readonly at: number;
}

/** One phase heard at one station of the call (a station rung, answering, on hold, hung up). */
export interface StationEvent {
  /** The station's extension user; '' for a request that names none. */
  readonly station: string;
  readonly phase: CallPhase;
  /** The hang-up's cause as sent ('' for other phases). */
  readonly cause: string;
  /** When it was heard (ms). */
  readonly at: number;
}

/** A request as the call log keeps it: the event, the status word exactly as sent, and where it came from. */
export interface LoggedEvent extends StationEvent {
  readonly status: string;
  /** The request's format or source (EventOrigin), or 'relay' for an ending the relay decided. */
  readonly origin: string;
}
