import { storedGroup } from './storage';

/**
 * The agent's sign-in, in storage.local (kept across browser restarts: an agent signs in once):
 * the session the relay gave (its token, never the password), whether that relay offers
 * click-to-call (said by its hello), and what the sign-in form had last (filled in next time).
 * Written by the options page (sign-in) and the worker (the relay in use, the agent's name, the
 * session's end); read by every page.
 */

/** The agent's sign-in with the relay. */
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

interface Stored {
  session: Session | null;
  /** The relay said (hello) that click-to-call is set up: "Call back" is offered only then. */
  clickToCall: boolean;
  /** What the agent typed in the sign-in form last time. */
  lastRelayUrl: string;
  lastExtenUser: string;
}
const stored = storedGroup<Stored>('local', 'account', { session: null, clickToCall: false, lastRelayUrl: '', lastExtenUser: '' });

export const getSession = (): Promise<Session | null> => stored.get('session');

export const getClickToCall = (): Promise<boolean> => stored.get('clickToCall');

/** Signed in: the session kept, and the form's address and user remembered for next time. */
export function saveSignIn(session: Session, typedRelayUrl: string): Promise<void> {
  return stored.set({ session, lastRelayUrl: typedRelayUrl, lastExtenUser: session.extenUser });
}

export const lastSignIn = (): Promise<{ lastRelayUrl: string; lastExtenUser: string }> => stored.getMany('lastRelayUrl', 'lastExtenUser');

/** The relay to use from now on (several given: the next after a failure). */
export function useRelay(session: Session, relayUrl: string): Promise<void> {
  return stored.set({ session: { ...session, relayUrl } });
}

/** What the relay's hello said: the agent's name as the relay has it, and whether click-to-call is offered. */
export function helloSaid(session: Session, name: string, clickToCall: boolean): Promise<void> {
  return stored.set({ session: { ...session, name }, clickToCall });
}

/** Signed out, or the session ended: the sign-in form's last entries stay. */
export const forgetSession = (): Promise<void> => stored.reset('session', 'clickToCall');
