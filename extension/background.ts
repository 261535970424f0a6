import browser from 'webextension-polyfill';
import { ERRORS } from '../shared/errors';
import {
  AUTH_PROTOCOL_PREFIX,
  PROTOCOL,
  parseServerMessage,
  type CallView,
  type ClientMessage,
  type SequencedMessage,
  type ServerMessage,
} from '../shared/messages';
import { callBack, CONTEXT_MENU_ID, registerContextMenu } from './call-back';
import { chooseContact, openChooser } from './contact-choice';
import { outcome } from './call-display';
import { resumeMessage } from './catch-up';
import { callButton, missedButton, openCall } from './notification-buttons';
import { clearCall, ivridOf, missedIvridOf, openUrl, showCall, showMissed } from './notify';
import { effectiveOpenCrm, policyWithin } from './policy';
import { endedWithin, InOrder } from './in-order';
import { nextRelay } from './relay-addresses';
import { RingFirst } from './ring-first';
import { refreshToolbar, trackOutage } from './toolbar';
import { runtimeMessageSchema, type RuntimeMessage } from './runtime-messages';
import {
  getSaved,
  getRuntime,
  RECENT_LIMIT,
  setSaved,
  setRuntime,
  type ConnectionProblem,
  type ConnectionState,
  type Preferences,
  type Session,
} from './storage';

/**
 * Keep below 30 s: Chrome stops an idle service worker at 30 s unless a WebSocket message flows.
 * The relay says how often it sends its own heartbeat; the worker sends one just as often.
 */
const DEFAULT_PING_MS = 20_000;
/** Reconnect delays double from 1 s up to about 30 s, each with random jitter. */
const BACKOFF_BASE_MS = 1_000;
const BACKOFF_CAP_MS = 30_000;
/**
 * Wakes a stopped worker to reconnect. One minute, not 30 s: an alarm every 30 s would itself
 * keep the worker from ever idling out, hiding a broken heartbeat.
 */
const RECONNECT_ALARM = 'reconnect';
/** What the agent reads when the relay no longer knows the session (expired, revoked, agent removed). */
const RECONNECT_ALARM_MINUTES = 1;

// The socket of this worker's lifetime. When Chrome stops the worker the socket goes with it,
// and top-level code below opens a new one.
let socket: WebSocket | null = null;
let pingTimer: ReturnType<typeof setInterval> | undefined;
let retryTimer: ReturnType<typeof setTimeout> | undefined;
/** A connection attempt under way: the top-level start and onInstalled must not open two sockets. */
let connecting: Promise<void> | null = null;
/** Messages are handled one at a time: storage read-modify-write must not interleave. */
let queue: Promise<void> = Promise.resolve();
/** Numbered messages that came ahead of a missing one (see InOrder). */
const inOrder = new InOrder<SequencedMessage>();
/** A new call's notification raised as its message arrives, ahead of the queue (RingFirst). */
const ringFirst = new RingFirst();

/** Runs `task` after every one queued before it (`queue` settles when it is done); a failure is logged and the next runs. */
function serially(task: () => Promise<void>): void {
  queue = queue.then(task).catch(failed('extension task'));
}

/** The end of what an event or a timer started, nothing waiting on it: a failure is logged in words. */
const failed = (what: string) => (err: unknown) => console.error(`${what} failed`, err);

async function setConnection(state: ConnectionState, problem: ConnectionProblem = ''): Promise<void> {
  await setRuntime({ connection: { state, problem, since: Date.now() } });
  await trackOutage(state);
  await refreshToolbar();
}

function wsUrl(relayUrl: string): string {
  const url = new URL('/ws', relayUrl);
  url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
  return url.toString();
}

function send(message: ClientMessage): void {
  if (socket?.readyState === WebSocket.OPEN) socket.send(JSON.stringify(message));
}

function connect(): Promise<void> {
  connecting ??= openSocket().finally(() => (connecting = null));
  return connecting;
}

/** connect(), from an event or a timer: a failure is logged, and the alarm tries again within a minute. */
function startConnecting(): void {
  connect().catch(failed('connecting to the relay'));
}

async function openSocket(): Promise<void> {
  clearTimeout(retryTimer);
  const session = await getSaved('session');
  if (!session) {
    await setConnection('signed-out');
    return;
  }
  if (socket && (socket.readyState === WebSocket.OPEN || socket.readyState === WebSocket.CONNECTING)) return;
  // Expired while the browser was closed: no point asking the relay.
  if (session.expiresAt > 0 && session.expiresAt <= Date.now()) {
    await endSession('session-ended');
    return;
  }
  await setConnection('connecting');
  let ws: WebSocket;
  try {
    // The session token travels as a subprotocol, never in the URL.
    ws = new WebSocket(wsUrl(session.relayUrl), [PROTOCOL, `${AUTH_PROTOCOL_PREFIX}${session.token}`]);
  } catch {
    await setConnection('disconnected', 'relay-url-invalid');
    return;
  }
  socket = ws;
  let opened = false;
  ws.onopen = () => {
    opened = true;
  };
  ws.onmessage = (event: MessageEvent<string>) => {
    const message = typeof event.data === 'string' ? parseServerMessage(event.data) : null;
    if (!message) {
      console.warn('ignored a message from the relay that is not in the protocol');
      return;
    }
    ringFirst.arrived(message);
    serially(() => handle(message, session));
  };
  ws.onclose = (event) => {
    if (socket !== ws) return;
    socket = null;
    clearInterval(pingTimer);
    // A refused handshake looks like any lost connection (1006): ask the relay whether the session still holds.
    serially(async () => ((!opened && (await sessionGone(session))) ? endSession('session-ended') : closed(event.code)));
  };
}

/** True only when the relay answers that the session is unknown, expired or revoked; false when it cannot be asked. */
async function sessionGone(session: Session): Promise<boolean> {
  try {
    const res = await fetch(new URL('/api/sessions/current', session.relayUrl), { headers: { authorization: `Bearer ${session.token}` }, cache: 'no-store' });
    return res.status === ERRORS.UNAUTHORIZED.http;
  } catch {
    return false;
  }
}

async function closed(code: number): Promise<void> {
  if (code === ERRORS.SESSION_ENDED.close || code === ERRORS.UNAUTHORIZED.close) {
    await endSession('session-ended');
    return;
  }
  const attempt = await getRuntime('attempt');
  await setRuntime({ attempt: attempt + 1 });
  const connection = await getRuntime('connection');
  await setConnection(
    'disconnected',
    connection.state === 'connected' ? 'connection-lost' : 'relay-unreachable',
  );
  // Several relays: the next one is tried at once (with jitter); the wait grows once per round.
  const session = await getSaved('session');
  const relays = session?.relayUrls ?? [];
  if (session && relays.length > 1) await setSaved({ session: { ...session, relayUrl: nextRelay(relays, session.relayUrl) } });
  const rounds = Math.floor(attempt / Math.max(1, relays.length));
  // Full jitter: a thousand agents whose relay restarted do not all return in the same second.
  const delay = Math.min(BACKOFF_CAP_MS, BACKOFF_BASE_MS * 2 ** rounds) * (0.5 + Math.random() / 2);
  retryTimer = setTimeout(startConnecting, delay);
}

async function endSession(problem: ConnectionProblem): Promise<void> {
  await setSaved({ session: null, lastSeq: 0, epoch: '', lastMessageAt: 0, continuityLostAt: 0, clickToCall: false });
  await setRuntime({ live: {}, attempt: 0 });
  ringFirst.reset();
  await browser.notifications.getAll().then((all) => Promise.all(Object.keys(all).map((id) => browser.notifications.clear(id))));
  await setConnection('signed-out', problem);
}

async function handle(message: ServerMessage, session: Session): Promise<void> {
  switch (message.type) {
    case 'hello': {
      clearInterval(pingTimer);
      pingTimer = setInterval(() => send({ type: 'ping', time: Date.now() }), message.heartbeatMs || DEFAULT_PING_MS);
      await setRuntime({ attempt: 0 });
      const [epoch, lastSeq] = await Promise.all([getSaved('epoch'), getSaved('lastSeq')]);
      // Messages were sent while this browser was away (or the relay restarted): ask for them.
      const resume = Boolean(epoch && (epoch !== message.epoch || message.seq > lastSeq));
      inOrder.reset(resume, resume && epoch === message.epoch ? message.seq : 0);
      if (resume) send(await resumeMessage());
      if (epoch !== message.epoch) await setSaved({ epoch: message.epoch, lastSeq: message.seq });
      const [settings, live] = await Promise.all([getSaved('settings'), getRuntime('live')]);
      ringFirst.useSettings(settings);
      ringFirst.liveCalls(Object.keys(live));
      // Messages that came meanwhile were not taken as in order: early raising starts with the next hello.
      if (!resume && (epoch !== message.epoch || message.seq === lastSeq)) ringFirst.inOrderFrom(message.seq);
      await setSaved({ session: { ...session, name: message.agent.name }, clickToCall: message.clickToCall });
      await setConnection('connected');
      return;
    }
    case 'ping':
      return;
    case 'resync': {
      if (!message.complete) await setSaved({ continuityLostAt: Date.now() });
      if (message.seq === undefined) return;
      const { ready, lastSeq } = inOrder.rebase(message.seq, await getSaved('lastSeq'));
      for (const m of ready) await apply(m);
      await setSaved({ lastSeq });
      return;
    }
    case 'call':
    case 'identity':
      break;
  }
  // In number order: one already processed (a replay overlapping what came live) is only
  // acknowledged; one ahead of a missing one waits for it (InOrder).
  const { ready, askResume } = inOrder.take(message, await getSaved('lastSeq'));
  if (askResume) send(await resumeMessage());
  const over = endedWithin(ready);
  for (const m of ready) await apply(m, over);
  const done = ready.at(-1)?.seq ?? (message.seq <= (await getSaved('lastSeq')) ? message.seq : null);
  if (done !== null) send({ type: 'ack', seq: done });
}

/** Processes one numbered message: the call shown (unless `over`: ended by one processed with it), or its caller filled in. */
async function apply(message: SequencedMessage, over: ReadonlySet<string> = new Set()): Promise<void> {
  if (message.type === 'call') await applyCall(message.call, over.has(message.call.ivrid));
  else {
    const live = await getRuntime('live');
    const call = live[message.ivrid];
    if (call) await applyCall({ ...call, identity: message.identity }, over.has(message.ivrid));
    else await updateRecent({ ivrid: message.ivrid, identity: message.identity });
  }
  await setSaved({ lastSeq: message.seq, lastMessageAt: Date.now() });
}

/** Brings notification, live calls, history and badge in line with the call's new view. */
async function applyCall(call: CallView, over = false): Promise<void> {
  // (Read together: each is a round trip to the browser before the agent sees anything.)
  const [live, settings] = await Promise.all([getRuntime('live'), getSaved('settings')]);
  const previous = live[call.ivrid];
  const raised = await ringFirst.handled(call);
  if (call.state === 'ended') {
    delete live[call.ivrid];
    await clearCall(call.ivrid);
    const known = previous ?? (await getSaved('recent')).find((c) => c.ivrid === call.ivrid);
    if (known?.state !== 'ended' && outcome(call) === 'missed') {
      const missed = (await getSaved('missed')) + 1;
      await setSaved({ missed });
      await setBadge(missed);
      if (settings.missedCalls === 'notify') await showMissed(call, await getSaved('clickToCall'));
    }
  } else {
    live[call.ivrid] = call;
    if (call.state === 'ringing' && !raised && !over) await showCall(call, previous !== undefined, settings);
    else if (!over && (call.state === 'talking' || call.state === 'hold')) {
      if (settings.afterAnswer === 'keep') await showCall(call, previous !== undefined, settings);
      else await clearCall(call.ivrid);
    }
    const trigger = call.state === 'ringing' ? 'ringing' : call.state === 'talking' ? 'answer' : null;
    if (trigger && effectiveOpenCrm(settings, await policyWithin()) === trigger) await autoOpen(call);
  }
  await setRuntime({ live });
  await updateRecent(call);
}

async function autoOpen(call: CallView): Promise<void> {
  const opened = await getRuntime('autoOpened');
  if (opened[call.ivrid] || !call.identity.url) return;
  await setRuntime({ autoOpened: { ...opened, [call.ivrid]: true } });
  await openUrl(call.identity.url);
}

async function updateRecent(call: Partial<CallView> & { ivrid: string }): Promise<void> {
  const recent = await getSaved('recent');
  const index = recent.findIndex((c) => c.ivrid === call.ivrid);
  if (index >= 0) recent[index] = { ...recent[index]!, ...call };
  else if ('state' in call) recent.unshift(call as CallView);
  recent.sort((a, b) => b.startedAt - a.startedAt);
  await setSaved({ recent: recent.slice(0, RECENT_LIMIT) });
}

/** The missed calls' count is on the toolbar while connected (refreshToolbar decides). */
async function setBadge(missed: number): Promise<void> {
  await setSaved({ missed });
  await refreshToolbar();
}

async function signOut(): Promise<void> {
  const session = await getSaved('session');
  socket?.close(1000, 'signed out');
  socket = null;
  if (session) {
    try {
      await fetch(new URL('/api/sessions/current', session.relayUrl), {
        method: 'DELETE',
        headers: { authorization: `Bearer ${session.token}` },
      });
    } catch {
      // The relay is unreachable: the session still ends here, and expires there.
    }
  }
  await endSession('');
}

/** One handler per runtime message, by type. */
const handlers: { [T in RuntimeMessage['type']]: (m: Extract<RuntimeMessage, { type: T }>) => Promise<unknown> } = {
  'signed-in': async () => {
    socket?.close(1000, 'signed in again');
    socket = null;
    await setRuntime({ attempt: 0 });
    await connect();
  },
  // Answered once signed out: the options page draws itself again then.
  'sign-out': () => {
    serially(signOut);
    return queue;
  },
  'open-call': (m) => openCall(m.ivrid),
  'popup-opened': async () => {
    await setSaved({ missed: 0 });
    await setBadge(0);
  },
  'call-back': (m) => callBack(m.number),
  'choose-contact': (m) => chooseContact(m.ivrid, m.source, m.id),
  'open-chooser': (m) => openChooser(m.ivrid),
};

// Listeners are registered synchronously at the top level, so Chrome delivers the events that
// wake a stopped worker.
browser.runtime.onMessage.addListener((message: unknown) => {
  const parsed = runtimeMessageSchema.safeParse(message);
  if (!parsed.success) {
    console.warn('ignored a runtime message that is not one of the declared ones');
    return undefined;
  }
  const handler = handlers[parsed.data.type] as (m: RuntimeMessage) => Promise<unknown>;
  return handler(parsed.data).then((answer) => answer ?? { ok: true });
});

browser.notifications.onClicked.addListener((id) => {
  const ivrid = ivridOf(id) ?? missedIvridOf(id);
  if (ivrid) openCall(ivrid).then(() => browser.notifications.clear(id)).catch(failed('opening the call'));
});

browser.notifications.onButtonClicked.addListener((id, index) => {
  const ivrid = ivridOf(id);
  if (ivrid) callButton(ivrid, index).then(() => browser.notifications.clear(id)).catch(failed("the call notification's button"));
  const missed = missedIvridOf(id);
  if (missed) missedButton(missed, index).then(() => browser.notifications.clear(id)).catch(failed("the missed call notification's button"));
});

// The agent chose another language: the toolbar's tooltip says it in that one.
browser.storage.onChanged.addListener((changes, area) => {
  if (area !== 'local' || !('settings' in changes)) return;
  refreshToolbar().catch(failed('refreshing the toolbar'));
  ringFirst.useSettings((changes.settings.newValue as Preferences | undefined) ?? null);
});

browser.alarms.onAlarm.addListener((alarm) => {
  if (alarm.name === RECONNECT_ALARM) startConnecting();
});

self.addEventListener('online', startConnecting);

browser.contextMenus.onClicked.addListener((info) => {
  if (info.menuItemId === CONTEXT_MENU_ID && info.selectionText) callBack(info.selectionText).catch(failed('calling back the selected number'));
});

browser.runtime.onInstalled.addListener((details) => {
  startConnecting();
  registerContextMenu().catch(failed('adding the context menu'));
  // A new agent lands on the sign-in page.
  if (details.reason === 'install') {
    getSaved('session')
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
startConnecting();
