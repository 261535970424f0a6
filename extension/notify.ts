import browser from 'webextension-polyfill';
import type { CallView } from '../shared/messages';
import { callButtons, isOpenableUrl, missedButtons, notificationText, siteAllowed } from './call-display';
import { loadLanguage, t } from './i18n';
import { DEFAULT_PREFERENCES, getSaved, getRuntime, setRuntime, type Preferences } from './storage';
import { NOTIFICATION_ICON } from './icon';

/** Notification ids carry the call's ivrid, so one call never has two notifications. */
const PREFIX = 'call:';
export const notificationId = (ivrid: string) => `${PREFIX}${ivrid}`;
export const ivridOf = (notificationId: string) =>
  notificationId.startsWith(PREFIX) ? notificationId.slice(PREFIX.length) : null;
/** The notice of a missed call (the agent's choice): its own id, shown after the call's notification is gone. */
const MISSED_PREFIX = 'missed:';
export const missedIvridOf = (notificationId: string) =>
  notificationId.startsWith(MISSED_PREFIX) ? notificationId.slice(MISSED_PREFIX.length) : null;


/**
 * The polyfill's notifications: it wraps update() and passes Chrome's options (buttons,
 * requireInteraction, silent) through, but its types, written for Firefox, lack them.
 */
const notifications = browser.notifications as unknown as {
  create(id: string, options: chrome.notifications.NotificationCreateOptions): Promise<string>;
  update(id: string, options: chrome.notifications.NotificationCreateOptions): Promise<boolean>;
  getAll(): Promise<Record<string, unknown>>;
  clear(id: string): Promise<boolean>;
};

/**
 * Shows the call's notification, or updates it in place when it may already be on screen (the call
 * was known: `known`). Nothing is asked of Chrome before a new call's notification is raised — the
 * agent sees it a storage round trip sooner. `chrome.notifications.create` resolves even when
 * Chrome refused to show anything (no icon or title), so the notification is looked for afterwards
 * and a failure is reported.
 */
export async function showCall(call: CallView, known: boolean, settings?: Pick<Preferences, 'language'>): Promise<void> {
  const id = notificationId(call.ivrid);
  await loadLanguage(settings);
  const text = notificationText(call, t);
  const buttons = callButtons(call);
  const options: chrome.notifications.NotificationCreateOptions = {
    type: 'basic',
    iconUrl: NOTIFICATION_ICON,
    title: text.title,
    message: text.message,
    contextMessage: text.contextMessage,
    // Kept on screen while it rings: the agent must see it before answering.
    requireInteraction: call.state === 'ringing',
    priority: 2,
    silent: false,
    // Several contacts matched: Choose contact first; Open in CRM when there is a page (callButtons).
    ...(buttons.length ? { buttons: buttons.map((b) => ({ title: t(b === 'choose' ? 'chooseContact' : 'openInCrm') })) } : {}),
  };
  // (update() says false when the agent closed it meanwhile: then it is raised again.)
  if (known && (await notifications.update(id, options))) return;
  await notifications.create(id, options);
  if (!(id in (await notifications.getAll()))) {
    console.error(`notification for call ${call.ivrid} was not shown`);
  }
}

/** A call that rang here ended unanswered: a notice with its buttons (missedButtons); none for a withheld number. */
export async function showMissed(call: CallView, clickToCall: boolean): Promise<void> {
  if (call.phone.withheld || !(call.phone.e164 || call.phone.raw)) return;
  await loadLanguage();
  const text = notificationText(call, t);
  const buttons = missedButtons(call, clickToCall).map((b) => ({ title: t(b === 'call-back' ? 'callBack' : 'openInCrm') }));
  await notifications.create(`${MISSED_PREFIX}${call.ivrid}`, {
    type: 'basic',
    iconUrl: NOTIFICATION_ICON,
    title: t('missedCallTitle', text.title),
    message: text.message,
    contextMessage: text.contextMessage,
    priority: 1,
    ...(buttons.length ? { buttons } : {}),
  });
}

export async function clearCall(ivrid: string): Promise<void> {
  await notifications.clear(notificationId(ivrid));
}

/**
 * Opens a CRM page in a new tab, or focuses the tab this extension already opened for it.
 * Only http: and https: are opened; anything else is refused and logged.
 */
export async function openUrl(url: string): Promise<boolean> {
  if (!isOpenableUrl(url)) {
    if (url !== '') console.warn(`refused to open a URL that is not http(s): ${url.slice(0, 200)}`);
    return false;
  }
  const { sites } = { ...DEFAULT_PREFERENCES, ...(await getSaved('settings')) };
  if (!siteAllowed(url, sites)) {
    console.warn(`refused to open a page outside the allowed sites: ${new URL(url).hostname}`);
    return false;
  }
  const tabs = await getRuntime('tabs');
  // The tab this extension opened for it, else any tab already showing that page (the agent's own):
  // brought to the front instead of a duplicate. (The "tabs" permission lets it read tabs' URLs.)
  const showing = (await browser.tabs.query({})).find((t) => t.url === url)?.id;
  for (const id of [tabs[url], showing]) {
    if (id === undefined) continue;
    try {
      const tab = await browser.tabs.update(id, { active: true });
      if (tab?.windowId !== undefined) await browser.windows.update(tab.windowId, { focused: true });
      return true;
    } catch {
      // The tab was closed since: try the next, or open a new one.
    }
  }
  const tab = await browser.tabs.create({ url });
  if (tab.id !== undefined) await setRuntime({ tabs: { ...tabs, [url]: tab.id } });
  return true;
}
