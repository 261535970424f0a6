import type { AgentPhoneStatus, Floor, FloorAgent, LastVoicenterRequest, LiveCallView, QueueView } from '../../../shared/console';
import { callerTitle, numberForPeople } from '../../../shared/caller';
import type { CallState } from '../../../shared/messages';
import { currentFloor, onFloor } from '../floor';
import { callerWords, t, type ConsoleKey } from '../i18n';
import { agentLabel, clock, h, table, text, time } from '../view';

const STATES: Record<CallState, ConsoleKey> = {
  ringing: 'stateRinging',
  talking: 'stateTalking',
  hold: 'stateOnHold',
  dialing: 'stateDialing',
  ended: 'stateEnded',
};

const PHONE: Record<AgentPhoneStatus, ConsoleKey> = { 'logged-in': 'phoneLoggedIn', 'logged-out': 'phoneLoggedOut', break: 'phoneBreak' };

/** How long since `ms`, as m:ss (h:mm:ss past an hour). */
function waited(ms: number, now = Date.now()): string {
  const s = Math.max(0, Math.floor((now - ms) / 1000));
  const two = (n: number) => String(n).padStart(2, '0');
  return s >= 3600 ? `${Math.floor(s / 3600)}:${two(Math.floor(s / 60) % 60)}:${two(s % 60)}` : `${Math.floor(s / 60)}:${two(s % 60)}`;
}

/** A waiting time that counts up while the page is open (see tickWaits). */
const waitingSince = (ms: number) => h('span', { class: 'number wait', 'data-since': String(ms) }, waited(ms));

let ticker: ReturnType<typeof setInterval> | undefined;
/** Once a second, every waiting time on the page moves on; stops by itself once there are none. */
function tickWaits(): void {
  ticker ??= setInterval(() => {
    const waits = document.querySelectorAll<HTMLElement>('[data-since]');
    if (waits.length === 0) {
      clearInterval(ticker);
      ticker = undefined;
    }
    for (const w of waits) w.textContent = waited(Number(w.dataset.since));
  }, 1000);
}

function queuesSection(queues: QueueView[]): Node[] {
  const summary = table(
    t('liveQueues'),
    [t('colQueue'), t('colWaiting'), t('colLongestWait'), t('colAnswered'), t('colAbandoned')],
    queues.map((q) => {
      const first = Math.min(...q.callers.map((c) => c.joinedAt));
      return [h('bdi', {}, q.name), h('span', { class: 'number' }, String(q.callers.length)), q.callers.length ? waitingSince(first) : text(''), h('span', { class: 'number' }, String(q.answered)), h('span', { class: 'number' }, String(q.abandoned))];
    }),
    t('noQueues'),
  );
  const waiting = queues
    .filter((q) => q.callers.length > 0)
    .map((q) =>
      h(
        'div',
        { class: 'queue-callers' },
        h('h4', {}, t('queueCallers', q.name)),
        table(
          t('queueCallers', q.name),
          [t('colCaller'), t('colNumber'), t('colCompany'), t('colWaited')],
          q.callers.map((c) => [h('bdi', {}, callerTitle(c, callerWords())), h('span', { class: 'number' }, numberForPeople(c, callerWords())), h('bdi', {}, c.identity?.company ?? ''), waitingSince(c.joinedAt)]),
          t('noCallersWaiting'),
        ),
      ),
    );
  tickWaits();
  return [summary, ...waiting];
}

function agentsTable(f: Floor): HTMLElement {
  // The phone's status is known only from Voicenter's Real-Time API.
  const phones = f.queues !== null;
  return table(
    t('pageAgents'),
    [t('agent'), t('colConnected'), t('colBrowsers'), t('colSince'), ...(phones ? [t('colPhoneStatus')] : [])],
    f.agents.map((a: FloorAgent) => [
      agentLabel(a.name, a.extenUser),
      h('span', { class: a.browsers > 0 ? 'yes' : 'no' }, a.browsers > 0 ? t('agentConnected') : a.enabled ? t('agentNotConnected') : t('agentDisabled')),
      text(String(a.browsers)),
      text(a.since ? time(a.since) : ''),
      ...(phones ? [h('span', { class: `phone ${a.phone?.status ?? ''}` }, a.phone ? t(PHONE[a.phone.status]) : '')] : []),
    ]),
    t('noAgentsLive'),
  );
}

const FORMATS: Record<LastVoicenterRequest['format'], ConsoleKey> = {
  json: 'voicenterFormatJson',
  form: 'voicenterFormatForm',
  query: 'voicenterFormatQuery',
  unreadable: 'voicenterFormatUnreadable',
};

/** Why a refused request was refused, in words a supervisor can act on. */
function refusal(code: string | undefined): string {
  if (code === 'NOT_FOUND') return t('voicenterWrongToken');
  if (code === 'FORBIDDEN_ADDRESS') return t('voicenterAddressNotAllowed');
  if (code && ['INVALID_FIELDS', 'MALFORMED_JSON', 'UNSUPPORTED_MEDIA_TYPE', 'TOO_LARGE'].includes(code)) return t('voicenterUnreadable');
  return t('voicenterOtherRefusal', code ?? '');
}

/** "Is Voicenter reaching us, and how was it answered?": the first thing to know when nothing pops. */
function voicenterLine(last: LastVoicenterRequest | null): string {
  if (!last) return t('liveVoicenterNone');
  const when = time(last.at);
  if (last.status < 400) return t('liveVoicenterAnswered', when, t(FORMATS[last.format]));
  return t('liveVoicenterRefused', when, refusal(last.code), String(last.status));
}

export function livePage(main: HTMLElement): void {
  const voicenter = h('p', { class: 'voicenter-last', role: 'status', 'data-testid': 'voicenter-last' });
  const agents = h('div');
  const calls = h('div');
  const queues = h('section', { 'aria-labelledby': 'queues-h', hidden: true });
  main.append(
    h('h2', {}, t('pageLive')),
    voicenter,
    h('section', { 'aria-labelledby': 'calls-h' }, h('h3', { id: 'calls-h' }, t('liveCalls')), calls),
    queues,
    h('section', { 'aria-labelledby': 'agents-h' }, h('h3', { id: 'agents-h' }, t('pageAgents')), agents),
  );
  onFloor(() => {
    const f = currentFloor()!;
    voicenter.textContent = voicenterLine(f.voicenter);
    voicenter.classList.toggle('refused', (f.voicenter?.status ?? 0) >= 400);
    queues.hidden = f.queues === null;
    queues.replaceChildren(h('h3', { id: 'queues-h' }, t('liveQueues')), ...queuesSection(f.queues ?? []));
    // Agents by name, as the supervisor knows them; the extension user while one has none.
    const names = new Map(f.agents.map((a) => [a.extenUser, a.name]));
    calls.replaceChildren(
      table(
        t('liveCalls'),
        [t('colCaller'), t('colNumber'), t('colCompany'), t('colState'), t('pageAgents'), t('colStarted')],
        f.calls.map((c: LiveCallView) => [
          h('bdi', {}, callerTitle(c, callerWords())),
          h('span', { class: 'number' }, numberForPeople(c, callerWords())),
          h('bdi', {}, c.identity.company),
          h('span', { class: `state ${c.state}` }, t(STATES[c.state])),
          text(c.stations.map((s) => t('stationState', names.get(s.extenUser) || s.extenUser, t(STATES[s.state]))).join(', ')),
          text(clock(c.startedAt)),
        ]),
        t('noCallsNow'),
      ),
    );
    agents.replaceChildren(agentsTable(f));
  });
}
