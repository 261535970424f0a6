import browser from 'webextension-polyfill';
import { notifications, setToolbarPixels } from './browser-api';
import { missedCount } from './call-book';
import { getConnection, type ConnectionState } from './connection-status';
import { loadLanguage, t } from './i18n';
import { problemWords, stateWords } from './state-words';
import { storedGroup } from './storage';
import { ICON_PATH, NOTIFICATION_ICON } from './icon';

/**
 * The toolbar button and the connection's own notices. In storage.session (an outage is of this
 * browser session; a worker restart must not tell the agent twice): since when a signed-in agent
 * has had no connection, and whether they were told. In storage.local: how long an outage lasts
 * before they are told (tests shorten it; no page shows it). In memory: the grey icon, drawn once
 * per worker from the packaged one.
 */
const outage = storedGroup('session', 'toolbar', {
  /** Since when (ms) a signed-in agent has had no connection; 0 while connected or signed out. */
  downSince: 0,
  /** Whether the agent was told that pop-ups are off (so they are told once, and when they are back). */
  offlineNoticed: false,
});
const tuning = storedGroup('local', 'toolbar', {
  /** How long without a connection before the agent is told pop-ups are off (ms). */
  offlineNoticeAfterMs: 60_000,
});

/** Notification ids of the connection's own notices (not calls: clicking them opens nothing). */
const OFF_NOTICE = 'status:pop-ups-off';
const ON_NOTICE = 'status:pop-ups-on';

let drawing: Promise<void> = Promise.resolve();

/**
 * The toolbar says the connection's state at a glance: connected, the usual icon and the missed
 * calls' count; otherwise a grey icon, a "!" badge and a tooltip saying why (relay unreachable,
 * signed out, session ended).
 */
export function refreshToolbar(): Promise<void> {
  // One at a time, in order: an earlier refresh finishing late must not paint an older state over a newer one.
  drawing = drawing.then(drawToolbar, drawToolbar);
  return drawing;
}

async function drawToolbar(): Promise<void> {
  const [connection, missed] = await Promise.all([getConnection(), missedCount(), loadLanguage()]);
  const connected = connection.state === 'connected';
  const state = stateWords(connection.state, t);
  const problem = problemWords(connection.problem, t);
  await browser.action.setTitle({ title: problem ? t('toolbarTitleWithProblem', state, problem) : t('toolbarTitle', state) });
  await browser.action.setBadgeBackgroundColor({ color: connected ? '#c62828' : '#8a5a00' });
  await browser.action.setBadgeText({ text: connected ? (missed > 0 ? String(missed) : '') : '!' });
  await setIcon(connected);
}

/**
 * Keeps track of how long a signed-in agent has been without a connection. Past the limit (a
 * minute) one notification says pop-ups are off; once connected again, one says they are back.
 */
export async function trackOutage(state: ConnectionState): Promise<void> {
  const [{ downSince, offlineNoticed: noticed }] = await Promise.all([outage.getMany('downSince', 'offlineNoticed'), loadLanguage()]);
  if (state === 'connected' || state === 'signed-out') {
    if (noticed) {
      await notifications.clear(OFF_NOTICE);
      if (state === 'connected') await notice(ON_NOTICE, t('popUpsOnTitle'), t('popUpsOnMessage'));
    }
    if (downSince || noticed) await outage.set({ downSince: 0, offlineNoticed: false });
    return;
  }
  const now = Date.now();
  if (!downSince) return outage.set({ downSince: now });
  if (!noticed && now - downSince >= (await tuning.get('offlineNoticeAfterMs'))) {
    await notifications.clear(ON_NOTICE);
    await notice(OFF_NOTICE, t('popUpsOffTitle'), t('popUpsOffMessage'));
    await outage.set({ offlineNoticed: true });
  }
}

async function notice(id: string, title: string, message: string): Promise<void> {
  await notifications.create(id, { type: 'basic', iconUrl: NOTIFICATION_ICON, title, message });
}

let greyIcon: Record<number, ImageData> | undefined;

/** The usual icon, or the same in grey: drawn once from the packaged PNG (no second set of files to keep). */
async function setIcon(connected: boolean): Promise<void> {
  if (connected) {
    await browser.action.setIcon({ path: { 16: 'extension/icons/icon-16.png', 32: 'extension/icons/icon-32.png' } });
    return;
  }
  greyIcon ??= await drawGrey();
  await setToolbarPixels(greyIcon);
}

async function drawGrey(): Promise<Record<number, ImageData>> {
  const bitmap = await createImageBitmap(await (await fetch(browser.runtime.getURL(ICON_PATH))).blob());
  const result: Record<number, ImageData> = {};
  for (const size of [16, 32]) {
    const canvas = new OffscreenCanvas(size, size);
    const context = canvas.getContext('2d')!;
    context.drawImage(bitmap, 0, 0, size, size);
    const image = context.getImageData(0, 0, size, size);
    for (let i = 0; i < image.data.length; i += 4) {
      const grey = Math.round(0.3 * image.data[i]! + 0.59 * image.data[i + 1]! + 0.11 * image.data[i + 2]!);
      image.data[i] = image.data[i + 1] = image.data[i + 2] = grey;
      image.data[i + 3] = Math.round(image.data[i + 3]! * 0.6);
    }
    result[size] = image;
  }
  return result;
}
