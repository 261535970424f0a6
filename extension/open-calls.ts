import { MAX_OPEN_CALLS } from '../shared/messages';

/**
 * The calls a resume names as shown open (see catch-up.ts): in the saved list and not over (a
 * browser restart empties the live ones), live in this browser session, or on screen (a
 * notification raised at once, its worker stopped before the call was written down). Each once.
 */
export function openCalls(recent: readonly { ivrid: string; state: string }[], live: readonly (string | null)[]): string[] {
  const open = new Set([...recent.filter((call) => call.state !== 'ended').map((call) => call.ivrid), ...live.filter((ivrid) => ivrid !== null)]);
  return [...open].slice(0, MAX_OPEN_CALLS);
}
