import browser from 'webextension-polyfill';
import type { CallView } from '../shared/messages';

/**
 * Everything the extension keeps. The service worker may be stopped at any moment, so nothing
 * lives only in module variables: *saved* data (the agent's sign-in, history, preferences) in
 * storage.local, kept across restarts (getSaved/setSaved); *runtime* data (live calls, the
 * connection state) in storage.session, kept while Chrome runs (getRuntime/setRuntime).
 */

/** The agent's sign-in with the relay (its session token, never the password). */
export interface Session {
  /** The relay in use now. */
  relayUrl: string;
  /** Every relay the agent gave, in order: on failure the next is tried (absent: only relayUrl). */
  relayUrls?: string[];
  token: string;
  extenUser: string;
  name: string;
  expiresAt: number;
}

export interface Preferences {
  /** Open the call's CRM page in a new tab by itself: never, when it rings, when answered. */
  openCrm: 'never' | 'ringing' | 'answer';
  /** After answering: keep the notification (marked Talking) or clear it. */
  afterAnswer: 'keep' | 'clear';
  /** Sites CRM pages may be opened on (host names, `*.domain`); empty: any http(s) site. */
  sites: string[];
  /** The language of every page and notification: the browser's ('auto'), or one the agent chose. */
  language: 'auto' | 'en' | 'he';
  /** A call that rang here and ended unanswered: counted on the toolbar, and with 'notify' also a notice with Call back. */
  missedCalls: 'count' | 'notify';
}

export const DEFAULT_PREFERENCES: Preferences = { openCrm: 'never', afterAnswer: 'clear', sites: [], language: 'auto', missedCalls: 'count' };

export type ConnectionState = 'signed-out' | 'connecting' | 'connected' | 'disconnected';

/** Why the extension is not connected (each page says it in the agent's language). */
export type ConnectionProblem = '' | 'session-ended' | 'relay-url-invalid' | 'connection-lost' | 'relay-unreachable';

export interface Connection {
  state: ConnectionState;
  /** Why it is not connected; "" when nothing is wrong. */
  problem: ConnectionProblem;
  since: number;
}

interface SavedData {
  session: Session | null;
  settings: Preferences;
  /** Recent calls, newest first. */
  recent: CallView[];
  /** Missed calls not yet seen (the toolbar badge). */
  missed: number;
  /** The last sequence number processed from the relay, within the relay's `epoch`. */
  lastSeq: number;
  /** The relay's epoch (new at every relay start); numbering restarts with a new one. */
  epoch: string;
  /** When the last numbered message came (ms): tells the relay how far back to look on resume. */
  lastMessageAt: number;
  /** When the relay said calls may have been missed (continuity lost); 0 when it never did. */
  continuityLostAt: number;
  /** How long without a connection before the agent is told pop-ups are off (ms); tests shorten it, no page shows it. */
  offlineNoticeAfterMs: number;
  /** The relay said (hello) that click-to-call is set up: "Call back" is offered only then. */
  clickToCall: boolean;
}

interface RuntimeData {
  connection: Connection;
  /** Calls still ringing or in progress, by ivrid. */
  live: Record<string, CallView>;
  /** Consecutive failed connection attempts, for the backoff. */
  attempt: number;
  /** Tabs this extension opened, by URL, to focus instead of opening twice. */
  tabs: Record<string, number>;
  /** Calls whose CRM page was already opened by itself (so it happens once). */
  autoOpened: Record<string, true>;
  /** Since when (ms) a signed-in agent has had no connection; 0 while connected or signed out. */
  downSince: number;
  /** Whether the agent was told that pop-ups are off (so they are told once, and when they are back). */
  offlineNoticed: boolean;
}

const SAVED_DEFAULTS: SavedData = {
  session: null,
  settings: DEFAULT_PREFERENCES,
  recent: [],
  missed: 0,
  lastSeq: 0,
  epoch: '',
  lastMessageAt: 0,
  continuityLostAt: 0,
  offlineNoticeAfterMs: 60_000,
  clickToCall: false,
};
const RUNTIME_DEFAULTS: RuntimeData = {
  connection: { state: 'signed-out', problem: '', since: 0 },
  live: {},
  attempt: 0,
  tabs: {},
  autoOpened: {},
  downSince: 0,
  offlineNoticed: false,
};

/** Saved data (storage.local): kept across browser restarts. */
export async function getSaved<K extends keyof SavedData>(key: K): Promise<SavedData[K]> {
  const got = await browser.storage.local.get(key);
  return (got[key] as SavedData[K] | undefined) ?? SAVED_DEFAULTS[key];
}

export async function setSaved(values: Partial<SavedData>): Promise<void> {
  await browser.storage.local.set(values);
}

/** Runtime data (storage.session): kept while Chrome runs, gone when it closes. */
export async function getRuntime<K extends keyof RuntimeData>(key: K): Promise<RuntimeData[K]> {
  const got = await browser.storage.session.get(key);
  return (got[key] as RuntimeData[K] | undefined) ?? RUNTIME_DEFAULTS[key];
}

export async function setRuntime(values: Partial<RuntimeData>): Promise<void> {
  await browser.storage.session.set(values);
}

export const RECENT_LIMIT = 50;

/** A call by its ivrid: live, else among the recent ones. */
export async function findCall(ivrid: string): Promise<CallView | undefined> {
  return (await getRuntime('live'))[ivrid] ?? (await getSaved('recent')).find((c) => c.ivrid === ivrid);
}
