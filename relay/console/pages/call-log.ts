import type { LoggedCall } from '../../../shared/console';
import { callerTitle } from '../../../shared/caller';
import { currentFloor, onFloor } from '../floor';
import { api, h, message, table, text, time } from '../view';

/** Calls the log page shows at once (the API's default page); the CSV export has up to 10,000. */
const LOG_PAGE = 200;

export async function logPage(main: HTMLElement): Promise<void> {
  const results = h('div', { 'aria-live': 'polite' });
  const number = h('input', { type: 'search', name: 'number', inputmode: 'tel' });
  const agent = h('input', { type: 'text', name: 'agent' });
  const from = h('input', { type: 'date', name: 'from' });
  const to = h('input', { type: 'date', name: 'to' });
  const missed = h('input', { type: 'checkbox', name: 'missed' });
  const exportLink = h('a', { class: 'button', href: '/console/api/calls.csv', download: '' }, 'Export CSV');
  const query = () => {
    const q = new URLSearchParams();
    if (number.value) q.set('number', number.value);
    if (agent.value) q.set('agent', agent.value);
    if (from.value) q.set('from', from.value);
    if (to.value) q.set('to', to.value);
    if (missed.checked) q.set('missed', '1');
    return q.toString();
  };
  const load = async () => {
    const q = query();
    exportLink.href = `/console/api/calls.csv${q ? `?${q}` : ''}`;
    try {
      const calls = await api<LoggedCall[]>(`/calls${q ? `?${q}` : ''}`);
      results.replaceChildren(
        calls.length >= LOG_PAGE ? h('p', { class: 'message' }, `The newest ${LOG_PAGE} calls; narrow them with the filters, or export all of them as CSV.`) : '',
        table(
          'Call log',
          ['Started', 'Caller', 'Number', 'Company', 'Outcome', 'Answered by', 'Agents'],
          calls.map((c) => [
            text(time(c.startedAt)),
            text(callerTitle({ ...c, phone: { raw: c.phone, local: c.phone, withheld: c.phone === '' } })),
            text(c.phone || 'Withheld number'),
            text(c.identity?.company ?? ''),
            h('span', { class: `state ${c.outcome === 'missed' ? 'missed' : ''}` }, c.outcome),
            text(c.answeredBy ?? ''),
            text(c.stations.join(', ')),
          ]),
          'No calls match.',
        ),
      );
    } catch (err) {
      results.replaceChildren(message((err as Error).message, true));
    }
  };
  main.append(
    h('h2', {}, 'Call log'),
    h(
      'section',
      {},
      h(
        'form',
        { class: 'inline', role: 'search', 'aria-label': 'Filter calls', onsubmit: (e) => (e.preventDefault(), void load()) },
        h('label', {}, 'Number', number),
        h('label', {}, 'Agent', agent),
        h('label', {}, 'From', from),
        h('label', {}, 'To', to),
        h('label', { class: 'check' }, missed, 'Missed only'),
        h('button', { type: 'submit', class: 'primary' }, 'Filter'),
        exportLink,
      ),
      results,
    ),
  );
  await load();
  // Calls end while the page is open: the log follows the floor.
  let known = currentFloor()?.calls.length;
  onFloor(() => {
    if (currentFloor()!.calls.length !== known) void load();
    known = currentFloor()!.calls.length;
  });
}

