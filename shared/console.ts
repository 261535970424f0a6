import type { CallState, CallView, Identity } from './messages';
import type { Phone } from './phone';

/** The console's session cookie: HttpOnly, SameSite=Strict, Secure under TLS. */
export const CONSOLE_SESSION_COOKIE = 'screenpop_console';
/** Changes to the console API must carry this header set to 1: a form or image on another site cannot (CSRF). */
export const CONSOLE_HEADER = 'x-screenpop-console';

/**
 * What the relay's console API sends the console page (relay/http/console-api/ → relay/console/).
 * The console is served by the relay itself, same origin, so these are types, not validated:
 * the page trusts its own server as the extension does not.
 */

/** One agent on the floor. */
export interface FloorAgent {
  extenUser: string;
  name: string;
  enabled: boolean;
  /** Open extension connections (one per browser). */
  browsers: number;
  /** When the agent's first open connection opened (ms); null when not connected. */
  since: number | null;
  /** The phone's status as Voicenter's Real-Time API tells it (and since when, ms); null when not known. */
  phone: { status: AgentPhoneStatus; since: number } | null;
}

export type AgentPhoneStatus = 'logged-in' | 'logged-out' | 'break';

/** A caller waiting in a Voicenter queue (Real-Time API). */
export interface WaitingCaller {
  ivrid: string;
  phone: Phone;
  /** The caller ID name Voicenter gave. */
  callerName: string;
  /** When the caller joined the queue (ms, this relay's clock). */
  joinedAt: number;
  /** Who the lookup chain says it is; null while still looking. */
  identity: Identity | null;
}

export interface QueueView {
  id: string;
  name: string;
  callers: WaitingCaller[];
  /** Since the relay connected. */
  answered: number;
  abandoned: number;
}

/** A call still ringing or talking somewhere, as the console shows it. */
export interface LiveCallView extends CallView {
  /** The extension user that answered; null while nobody has. */
  answeredByStation: string | null;
  /** The stations it still rings or talks at. */
  stations: { extenUser: string; state: CallState }[];
}

/** The last request this relay had at the pop-up URL, and how it answered it. */
export interface LastVoicenterRequest {
  at: number;
  format: 'query' | 'form' | 'json' | 'unreadable';
  status: number;
  /** The error's stable CODE when it was refused. */
  code?: string;
}

/** The live view, sent whole over server-sent events whenever it changes. */
export interface Floor {
  agents: FloorAgent[];
  calls: LiveCallView[];
  /** Voicenter's queues; null when the relay does not use the Real-Time API. */
  queues: QueueView[] | null;
  /** The last pop-up request this relay had; null: none since it started. */
  voicenter: LastVoicenterRequest | null;
}

export type CallOutcome = 'answered' | 'missed' | 'outgoing' | 'in progress';

/** A call in the call log. */
export interface LoggedCall {
  ivrid: string;
  direction: CallView['direction'];
  /** As Voicenter sent it ("" when withheld). */
  phone: string;
  e164: string | null;
  callerName: string;
  /** The number the caller dialled (Voicenter's did), "" when not sent; `line` its name, "" when it has none. */
  did: string;
  line: string;
  identity: Identity | null;
  startedAt: number;
  answeredAt: number | null;
  /** The extension user that answered. */
  answeredBy: string | null;
  /** When it ended, missed calls included (the last station's hang-up); null while it goes on. */
  endedAt: number | null;
  /** From the start until answered (or, unanswered, until it ended); null while still ringing. */
  ringSeconds: number | null;
  /** From the answer to the end; 0 for a call nobody answered; null while it goes on. */
  talkSeconds: number | null;
  outcome: CallOutcome;
  /** Every extension user the call rang at. */
  stations: string[];
  /** The same, each with its agent's name ("" when it is not, or no longer, an agent). */
  agents: { extenUser: string; name: string }[];
}

/** A contact in the directory, as the console lists and edits it. */
export interface DirectoryEntry {
  /** The directory's own key (stable while the contact exists). */
  key: number;
  id: string;
  name: string;
  company: string;
  url: string;
  phones: string[];
}

/** What a contacts import did, or would do in a dry run (the console's preview). */
export interface ImportPreview {
  /** Rows read without fault (imported, or that would be in a dry run). */
  good: number;
  added: number;
  updated: number;
  /** Rows left out, by their line number in the file (the header is line 1). */
  bad: { line: number; reason: string }[];
}

/**
 * New agents one console request adds at most (an import, a sync): each password is hashed while
 * the request waits (relay/accounts/agents-import.ts says how long that takes).
 */
export const AGENTS_PER_REQUEST = 500;

/** What an agents import did, or would do in a dry run (the console's preview). */
export interface AgentsImportPreview {
  /** Rows read without fault (added, or that would be in a dry run). */
  good: number;
  added: number;
  /** Rows left out, by their line number in the file (the header is line 1). */
  bad: { line: number; reason: string }[];
  /** Passwords the relay made up for rows without one (shown once; never stored in clear). */
  generated: { extenUser: string; password: string }[];
}

/** Agents from the Voicenter account's extensions (`agents sync`, the Agents page). */
export interface AgentsSync {
  /** Extensions the account lists. */
  listed: number;
  /** Of those, the ones that are agents already (left as they are). */
  existing: number;
  /** The ones that are not agents yet: added, or to add in a dry run. */
  missing: { extenUser: string; name: string }[];
  /** Of those, the ones left for the next sync: one adds AGENTS_PER_REQUEST at most. */
  later: number;
  report: AgentsImportPreview;
}

/** A lookup source's circuit breaker: closed (asked), open (skipped for a while), half-open (one trial). */
export type CircuitState = 'closed' | 'open' | 'half-open';

export interface SourceHealth {
  name: string;
  kind: string;
  local: boolean;
  /** none: a local source, which has no breaker. */
  circuit: CircuitState | 'none';
  /** While the circuit is open: in how many seconds the source is tried again; else null. */
  retryInSeconds: number | null;
  /** Its last failure, or what is wrong with its set-up (a token that cannot be renewed), in plain words; "" when nothing. */
  problem: string;
}

/** A record a CRM source returned for a number, and whether it was kept as the caller (relay/lookup/verify.ts). */
export interface Candidate {
  name: string;
  company: string;
  id: string;
  numbers: string[];
  kept: boolean;
  why: string;
}

/** A contact an agent chose for a number with several matches (the Sources page). */
export interface ContactChoiceView {
  number: string;
  source: string;
  id: string;
  name: string;
  company: string;
  url: string;
  chosenBy: string;
  chosenAt: number;
}

/** A line a supervisor named (the Settings page). */
export interface NamedLine {
  /** The line's one stored form: E.164 when it reads as a number (+97237654321), else its digits (a short number). */
  line: string;
  /** The same as people write it in the relay's country (03-765-4321). */
  local: string;
  name: string;
}

/** A console administrator (the Settings page's list). */
export interface AdminView {
  username: string;
  createdAt: number;
  /** The one signed in to this console. */
  you: boolean;
}

/** The Settings page: what to paste in Voicenter and in Chrome policies. */
export interface ConsoleSettings {
  popupUrl: string;
  tokenFromEnvironment: boolean;
  extensionId: string;
  /** The id of the extension as this installation signs it for force-install (its own key). */
  installationExtensionId: string;
  popupOrigins: string[];
  extensionOrigins: string[];
  popupAllowIps: string[];
}
