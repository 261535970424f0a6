import browser from 'webextension-polyfill';
import type { ClientMessage } from '../shared/messages';
import { ivridOf } from './notify';
import { openCalls } from './open-calls';
import { getRuntime, getSaved } from './storage';

/**
 * What the extension tells the relay when it resumes: where it stopped, and the calls it still
 * shows ringing or in progress. The relay replays what came since; when it cannot (the browser
 * was away past the replay window, or the relay restarted) its resync sends those calls' views
 * too, so a call that ended meanwhile ends here rather than ringing on in the list for good.
 */
export async function resumeMessage(): Promise<Extract<ClientMessage, { type: 'resume' }>> {
  const [epoch, seq, since, recent, live, shown] = await Promise.all([
    getSaved('epoch'),
    getSaved('lastSeq'),
    getSaved('lastMessageAt'),
    getSaved('recent'),
    getRuntime('live'),
    browser.notifications.getAll(),
  ]);
  return { type: 'resume', epoch, seq, since, open: openCalls(recent, [...Object.keys(live), ...Object.keys(shown).map(ivridOf)]) };
}
