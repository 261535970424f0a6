import type { CallState, CallView, Identity } from './messages';

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
}

/** A call still ringing or talking somewhere, as the console shows it. */
export interface LiveCallView extends CallView {
  /** The extension user that answered; null while nobody has. */
  answeredByStation: string | null;
  /** The stations it still rings or talks at. */
  stations: { extenUser: string; state: CallState }[];
}

/** The live view, sent whole over server-sent events whenever it changes. */
export interface Floor {
  agents: FloorAgent[];
  calls: LiveCallView[];
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
  identity: Identity | null;
  startedAt: number;
  answeredAt: number | null;
  answeredBy: string | null;
  endedAt: number | null;
  outcome: CallOutcome;
  /** Every extension user the call rang at. */
  stations: string[];
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

export interface ImportPreview {
  /** Rows that would be imported (or were). */
  good: number;
  added: number;
  updated: number;
  bad: { line: number; reason: string }[];
}

export interface SourceHealth {
  name: string;
  kind: string;
  local: boolean;
  circuit: 'closed' | 'open' | 'half-open' | 'none';
}

export interface Settings {
  popupUrl: string;
  tokenFromEnvironment: boolean;
  extensionId: string;
  popupOrigins: string[];
  extensionOrigins: string[];
  popupAllowIps: string[];
}
