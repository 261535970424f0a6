import type { CallView } from '../shared/messages';
import { notifications, type NotificationOptions } from './browser-api';
import { callButtons, missedButtons, notificationText } from './call-display';
import { loadLanguage, t } from './i18n';
import { callButton, missedButton, openCall } from './notification-buttons';
import type { Preferences } from './preferences';
import { NOTIFICATION_ICON } from './icon';

/**
 * The calls' notifications: raised, updated, cleared, and what a click on one or its buttons does.
 * Nothing is kept here: Chrome's list of notifications on screen is the only record of them.
 */

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
  const options: NotificationOptions = {
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
  if (!(await notifications.ids()).includes(id)) {
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

/** Signed out: every notification goes, the connection's notices too. */
export async function clearAll(): Promise<void> {
  await Promise.all((await notifications.ids()).map((id) => notifications.clear(id)));
}

/** The calls whose notification is on screen (a resume names them as still open). */
export async function callsOnScreen(): Promise<string[]> {
  return (await notifications.ids()).flatMap((id) => {
    const ivrid = ivridOf(id);
    return ivrid === null ? [] : [ivrid];
  });
}

/** The end of a click's work, nothing waiting on it: a failure is logged in words. */
const failed = (what: string) => (err: unknown) => console.error(`${what} failed`, err);

/**
 * A click on a call's notification opens its CRM page; a button does what it says
 * (notification-buttons.ts). The notification goes once it is done. Registered at the worker's top
 * level, so a click wakes a stopped worker.
 */
export function listenToNotificationClicks(): void {
  notifications.onClicked((id) => {
    const ivrid = ivridOf(id) ?? missedIvridOf(id);
    if (ivrid) openCall(ivrid).then(() => notifications.clear(id)).catch(failed('opening the call'));
  });
  notifications.onButtonClicked((id, index) => {
    const ivrid = ivridOf(id);
    if (ivrid) callButton(ivrid, index).then(() => notifications.clear(id)).catch(failed("the call notification's button"));
    const missed = missedIvridOf(id);
    if (missed) missedButton(missed, index).then(() => notifications.clear(id)).catch(failed("the missed call notification's button"));
  });
}
