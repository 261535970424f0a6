import browser from 'webextension-polyfill';
import { getSession } from './account';
import { notifications } from './browser-api';
import type { MessageKey } from './catalogue';
import { leftToRight } from './call-display';
import { loadLanguage, t } from './i18n';
import { NOTIFICATION_ICON } from './icon';

/**
 * Click-to-call: the agent calls a number back (the popup's "Call back", or "Call with Voicenter"
 * on selected text). The relay places it through Voicenter — the agent's own phone rings first —
 * and one notification says in plain words what happened.
 */
export const CONTEXT_MENU_ID = 'call-with-voicenter';
const NOTICE = 'status:click-to-call';

/** What the relay answered (its `outcome`), or why it could not be asked, as a message key. */
const WORDS: Record<string, MessageKey> = {
  placed: 'callBackPlaced',
  'phone-offline': 'callBackPhoneOffline',
  blocked: 'callBackBlocked',
  invalid: 'callBackRefused',
  'voicenter-error': 'callBackRefused',
  refused: 'callBackRefused',
  'not-a-number': 'callBackNotANumber',
  'too-many': 'callBackTooMany',
  unavailable: 'callBackUnavailable',
  'signed-out': 'callBackSignedOut',
};

async function ask(number: string): Promise<{ outcome: string; number: string }> {
  const session = await getSession();
  if (!session) return { outcome: 'signed-out', number };
  let res: Response;
  try {
    res = await fetch(new URL('/api/calls', session.relayUrl), {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${session.token}` },
      body: JSON.stringify({ number }),
    });
  } catch {
    return { outcome: 'unavailable', number };
  }
  const body = (await res.json().catch(() => ({}))) as { outcome?: string; number?: string; CODE?: string };
  if (res.ok && body.outcome) return { outcome: body.outcome, number: body.number ?? number };
  const outcome = body.CODE === 'INVALID_FIELDS' ? 'not-a-number' : body.CODE === 'TOO_MANY' ? 'too-many' : res.status === 401 ? 'signed-out' : 'unavailable';
  return { outcome, number };
}

/** Asks the relay to call `number`, and says what happened. */
export async function callBack(text: string): Promise<void> {
  const number = text.trim().slice(0, 40);
  const [{ outcome, number: shown }] = await Promise.all([ask(number), loadLanguage()]);
  await notifications.clear(NOTICE);
  await notifications.create(NOTICE, {
    type: 'basic',
    iconUrl: NOTIFICATION_ICON,
    title: t(outcome === 'placed' ? 'callBackCalling' : 'callBackFailed', leftToRight(shown)),
    message: t(WORDS[outcome] ?? 'callBackRefused', shown),
  });
}

/** "Call with Voicenter" on selected text (made again at each install or update, in the browser's language). */
export async function registerContextMenu(): Promise<void> {
  await loadLanguage();
  await browser.contextMenus.removeAll();
  browser.contextMenus.create({ id: CONTEXT_MENU_ID, title: t('callWithVoicenter'), contexts: ['selection'] });
}
