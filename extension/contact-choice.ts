import browser from 'webextension-polyfill';
import { identitySchema } from '../shared/messages';
import { getSession } from './account';
import { findCall } from './call-book';
import { openUrl } from './crm-pages';
import { t } from './i18n';

/**
 * "Choose contact" in the worker: the chooser page opened in its own small window, and the choice
 * sent to the relay (POST /api/choices), which remembers it for the number and tells every station
 * (an `identity` message follows). The chosen contact's page is opened at once.
 */
export async function openChooser(ivrid: string): Promise<void> {
  await browser.windows.create({ url: browser.runtime.getURL(`extension/choose.html?ivrid=${encodeURIComponent(ivrid)}`), type: 'popup', width: 420, height: 520 });
}

export async function chooseContact(ivrid: string, source: string, id: string): Promise<{ ok: boolean; error?: string }> {
  const [session, call] = await Promise.all([getSession(), findCall(ivrid)]);
  if (!session || !call) return { ok: false, error: t('chooseContactGone') };
  let res: Response;
  try {
    res = await fetch(new URL('/api/choices', session.relayUrl), {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${session.token}` },
      body: JSON.stringify({ ivrid, phone: call.phone.e164 ?? call.phone.raw, source, id }),
    });
  } catch {
    return { ok: false, error: t('chooseContactFailed') };
  }
  const body = (await res.json().catch(() => null)) as { identity?: unknown } | null;
  const identity = identitySchema.safeParse(body?.identity);
  if (!res.ok || !identity.success) return { ok: false, error: res.status === 409 ? t('chooseContactGone') : t('chooseContactFailed') };
  await openUrl(identity.data.url);
  return { ok: true };
}
