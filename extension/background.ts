import browser from 'webextension-polyfill';
import type { ServerMessage } from '../shared/messages';
import { forgetSession, getSession, helloSaid, type Session } from './account';
import { callApplier } from './apply-call';
import { callBack, CONTEXT_MENU_ID, registerContextMenu } from './call-back';
import { forgetSessionCalls, liveCalls, recentCalls, setMissedCount, continuityLost } from './call-book';
import { setFailedAttempts, type ConnectionProblem } from './connection-status';
import { endRelaySession, RECONNECT_ALARM, RECONNECT_ALARM_MINUTES, RelayConnection, report } from './connection';
import { chooseContact, openChooser } from './contact-choice';
import { MessageOrder } from './message-order';
import { openCall } from './notification-buttons';
import { callsOnScreen, clearAll, listenToNotificationClicks } from './notify';
import { openCalls } from './open-calls';
import { getPreferences, onPreferencesChanged } from './preferences';
import { RingFirst } from './ring-first';
import { runtimeMessageSchema, type RuntimeMessage } from './runtime-messages';
import { refreshToolbar } from './toolbar';

/**
 * The service worker: it builds the parts and connects them, and decides nothing itself — the
 * connection (connection.ts), the order messages are processed in (message-order.ts), what a
 * message changes (apply-call.ts), the notifications (notify.ts), the state each part owns
 * (storage.ts lists them). Listeners are registered at the top level, so Chrome delivers the
 * events that wake a stopped worker.
 */

/** The end of what an event or a timer started, nothing waiting on it: a failure is logged in words. */
const failed = (what: string) => (err: unknown) => console.error(`${what} failed`, err);

/** A new call's notification raised as its message arrives, ahead of the queue (RingFirst). */
const ringFirst = new RingFirst();
const connection: RelayConnection = new RelayConnection({
  received: (message, session) => {
    ringFirst.arrived(message, order.arrived(message));
    order.serially(() => handle(message, session));
  },
  serially: (task) => order.serially(task),
  sessionEnded: (problem) => endSession(problem),
});
const order: MessageOrder = new MessageOrder({
  send: (message) => connection.send(message),
  process: callApplier(ringFirst),
  stillOpen: async () => {
    const [recent, live, shown] = await Promise.all([recentCalls(), liveCalls(), callsOnScreen()]);
    return openCalls(recent, [...Object.keys(live), ...shown]);
  },
});

/** One handler per message from the relay, by type; each runs in the queue, in arrival order. */
async function handle(message: ServerMessage, session: Session): Promise<void> {
  switch (message.type) {
    case 'hello': {
      connection.heartbeat(message.heartbeatMs);
      await setFailedAttempts(0);
      const countFrom = await order.hello(message);
      const [, live] = await Promise.all([getPreferences(), liveCalls()]);
      ringFirst.liveCalls(Object.keys(live));
      if (countFrom !== null) order.countArrivalsFrom(countFrom);
      await helloSaid(session, message.agent.name, message.clickToCall);
      await report('connected');
      return;
    }
    case 'ping':
      return;
    case 'resync':
      if (!message.complete) await continuityLost(Date.now());
      if (message.seq !== undefined) await order.resync(message.seq);
      return;
    case 'call':
    case 'identity':
      await order.numbered(message);
  }
}

async function endSession(problem: ConnectionProblem): Promise<void> {
  await forgetSession();
  await order.forget();
  await forgetSessionCalls();
  await setFailedAttempts(0);
  ringFirst.reset();
  await clearAll();
  await report('signed-out', problem);
}

async function signOut(): Promise<void> {
  const session = await getSession();
  connection.close('signed out');
  if (session) await endRelaySession(session);
  await endSession('');
}

async function clearMissed(): Promise<void> {
  await setMissedCount(0);
  await refreshToolbar();
}

/** One handler per runtime message (from the pages), by type. */
function answer(message: RuntimeMessage): Promise<unknown> {
  switch (message.type) {
    case 'signed-in':
      connection.close('signed in again');
      return setFailedAttempts(0).then(() => connection.connect());
    case 'sign-out':
      // Answered once signed out: the options page draws itself again then.
      order.serially(signOut);
      return order.settled();
    case 'open-call':
      return openCall(message.ivrid);
    case 'popup-opened':
      return clearMissed();
    case 'call-back':
      return callBack(message.number);
    case 'choose-contact':
      return chooseContact(message.ivrid, message.source, message.id);
    case 'open-chooser':
      return openChooser(message.ivrid);
  }
}

browser.runtime.onMessage.addListener((message: unknown) => {
  const parsed = runtimeMessageSchema.safeParse(message);
  if (!parsed.success) {
    console.warn('ignored a runtime message that is not one of the declared ones');
    return undefined;
  }
  return answer(parsed.data).then((answered) => answered ?? { ok: true });
});

listenToNotificationClicks();

// The agent chose another language: the toolbar's tooltip says it in that one (and a ring raised
// at once uses the new settings: preferences.ts keeps them in memory).
onPreferencesChanged(() => {
  refreshToolbar().catch(failed('refreshing the toolbar'));
});

browser.alarms.onAlarm.addListener((alarm) => {
  if (alarm.name === RECONNECT_ALARM) connection.startConnecting();
});

self.addEventListener('online', () => connection.startConnecting());

browser.contextMenus.onClicked.addListener((info) => {
  if (info.menuItemId === CONTEXT_MENU_ID && info.selectionText) callBack(info.selectionText).catch(failed('calling back the selected number'));
});

browser.runtime.onInstalled.addListener((details) => {
  connection.startConnecting();
  registerContextMenu().catch(failed('adding the context menu'));
  // A new agent lands on the sign-in page.
  if (details.reason === 'install') {
    getSession()
      .then((session) => (session ? undefined : browser.runtime.openOptionsPage()))
      .catch(failed('opening the sign-in page'));
  }
});

// Created once: creating it again at every worker start would push its first tick back each time.
browser.alarms
  .get(RECONNECT_ALARM)
  .then((alarm) => (alarm ? undefined : browser.alarms.create(RECONNECT_ALARM, { periodInMinutes: RECONNECT_ALARM_MINUTES })))
  .catch(failed('creating the reconnect alarm'));
// Every load of an unpacked extension fires onInstalled, never onStartup: connect from here.
connection.startConnecting();
