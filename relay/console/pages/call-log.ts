import type { LoggedCall } from '../../../shared/console';
import { callerTitle } from '../../../shared/caller';
import { currentFloor, onFloor } from '../floor';
import { callerWords, t, type ConsoleKey } from '../i18n';
import { agentLabel, api, h, message, table, text, time } from '../view';

/** Calls the log page shows at once (the API's default page); the CSV export has up to 10,000. */
const LOG_PAGE = 200;

const OUTCOMES: Record<LoggedCall['outcome'], ConsoleKey> = {
  answered: 'outcomeAnswered',
  missed: 'outcomeMissed',
  outgoing: 'outcomeOutgoing',
  'in progress': 'outcomeInProgress',
};

const nameOf = (c: LoggedCall, extenUser: string) => c.agents.find((a) => a.extenUser === extenUser)?.name ?? '';
/** A talk time as m:ss. */
const minutes = (s: number) => `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;

export async function logPage(main: HTMLElement): Promise<void> {
  const results = h('div', { 'aria-live': 'polite' });
  const number = h('input', { type: 'search', name: 'number', inputmode: 'tel' });
  const agent = h('input', { type: 'text', name: 'agent', autocomplete: 'off' });
  const from = h('input', { type: 'date', name: 'from' });
  const to = h('input', { type: 'date', name: 'to' });
  const missed = h('input', { type: 'checkbox', name: 'missed' });
  const exportLink = h('a', { class: 'button', href: '/console/api/calls.csv', download: '' }, t('exportCsv'));
  const query = () => {
    const q = new URLSearchParams();
    if (number.value) q.set('number', number.value);
    if (agent.value) q.set('agent', agent.value);
    if (from.value) q.set('from', from.value);
    if (to.value) q.set('to', to.value);
    if (missed.checked) q.set('missed', '1');
    // Days, and the export's times, in the supervisor's own time zone (the relay's may be UTC).
    q.set('tz', Intl.DateTimeFormat().resolvedOptions().timeZone);
    return q.toString();
  };
  const read = async () => {
    const q = query();
    exportLink.href = `/console/api/calls.csv${q ? `?${q}` : ''}`;
    const calls = await api<LoggedCall[]>(`/calls${q ? `?${q}` : ''}`);
    results.replaceChildren(
      calls.length >= LOG_PAGE ? h('p', { class: 'message' }, t('logNewestOnly', LOG_PAGE)) : '',
      table(
        t('pageCallLog'),
        [t('colStarted'), t('colCaller'), t('colNumber'), t('colCompany'), t('colPhoneLine'), t('colOutcome'), t('colTalkTime'), t('colAnsweredBy'), t('pageAgents')],
        calls.map((c) => [
          text(time(c.startedAt)),
          h('bdi', {}, callerTitle({ ...c, phone: { raw: c.phone, local: c.phone, withheld: c.phone === '' } }, callerWords())),
          c.phone ? h('span', { class: 'number' }, c.phone) : text(t('withheldNumber')),
          h('bdi', {}, c.identity?.company ?? ''),
          c.line ? h('bdi', {}, c.line) : h('span', { class: 'number' }, c.did),
          h('span', { class: `state ${c.outcome === 'missed' ? 'missed' : ''}` }, t(OUTCOMES[c.outcome] ?? 'outcomeInProgress')),
          h('span', { class: 'number' }, c.talkSeconds ? minutes(c.talkSeconds) : ''),
          c.answeredBy ? agentLabel(nameOf(c, c.answeredBy), c.answeredBy) : text(''),
          h('span', {}, ...c.agents.flatMap((a, i) => [...(i > 0 ? [', '] : []), agentLabel(a.name, a.extenUser)])),
        ]),
        t('noCallsMatch'),
      ),
    );
  };
  const failed = (err: Error) => results.replaceChildren(message(err.message, true));
  /** Reads the log again (a filter, a call ended), nothing waiting on it: what fails is said in the results. */
  const load = (): void => {
    read().catch(failed);
  };
  main.append(
    h('h2', {}, t('pageCallLog')),
    h(
      'section',
      {},
      h(
        'form',
        { class: 'inline', role: 'search', 'aria-label': t('filterCalls'), onsubmit: (e) => (e.preventDefault(), load()) },
        h('label', {}, t('colNumber'), number),
        h('label', {}, t('agentNameOrUser'), agent),
        h('label', {}, t('from'), from),
        h('label', {}, t('to'), to),
        h('label', { class: 'check' }, missed, t('missedOnly')),
        h('button', { type: 'submit', class: 'primary' }, t('filter')),
        exportLink,
      ),
      results,
    ),
  );
  await read().catch(failed);
  // Calls end while the page is open: the log follows the floor.
  let known = currentFloor()?.calls.length;
  onFloor(() => {
    if (currentFloor()!.calls.length !== known) load();
    known = currentFloor()!.calls.length;
  });
}

