import { storedGroup } from './storage';

/**
 * The agent's choices on the options page, in storage.local (kept across browser restarts). The
 * worker also keeps the last ones it read in memory: a ringing call is raised as its message
 * arrives, before any storage read (ring-first.ts); the copy follows every change.
 */

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

const stored = storedGroup('local', 'preferences', { settings: DEFAULT_PREFERENCES });

/** The last settings read in this worker's lifetime; null until one is. */
let lastRead: Preferences | null = null;

export async function getPreferences(): Promise<Preferences> {
  lastRead = await stored.get('settings');
  return lastRead;
}

/** The settings as last read, without asking storage; null when none was read yet. */
export const knownPreferences = (): Preferences | null => lastRead;

export const setPreferences = (settings: Preferences): Promise<void> => stored.set({ settings });

/** The agent changed them (on the options page): `listener` gets them, the in-memory copy too. */
export function onPreferencesChanged(listener: (settings: Preferences) => void): void {
  stored.onChanged(() => {
    getPreferences().then(listener, (err: unknown) => console.error('reading the settings failed', err));
  });
}
