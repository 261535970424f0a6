import type { SourceHealth } from '../../../shared/console';
import { api, h, message, table, text } from '../view';

export async function sourcesPage(main: HTMLElement): Promise<void> {
  const sources = await api<SourceHealth[]>('/sources');
  const phone = h('input', { type: 'tel', name: 'phone', required: true });
  const out = h('div', { 'aria-live': 'polite' });
  interface Tested {
    answer: Record<string, string | number>;
    cache: string;
    steps: { source: string; outcome: string; ms: number; detail: string }[];
  }
  main.append(
    h('h2', {}, 'Sources'),
    h(
      'section',
      { 'aria-labelledby': 'chain-h' },
      h('h3', { id: 'chain-h' }, 'Lookup chain, in priority order'),
      table(
        'Lookup chain',
        ['Source', 'Kind', 'Where', 'Circuit'],
        sources.map((s) => [text(s.name), text(s.kind), text(s.local ? 'this machine' : 'remote'), h('span', { class: s.circuit === 'open' ? 'state missed' : '' }, s.circuit)]),
        'No sources.',
      ),
    ),
    h(
      'section',
      { 'aria-labelledby': 'test-h' },
      h('h3', { id: 'test-h' }, 'Test a number'),
      h(
        'form',
        {
          class: 'inline',
          onsubmit: (e) => {
            e.preventDefault();
            out.replaceChildren(message('Looking up…'));
            void api<Tested>('/sources/test', { method: 'POST', json: { phone: phone.value } }).then(
              (r) =>
                out.replaceChildren(
                  h('h4', {}, 'What Voicenter would get'),
                  h('pre', { class: 'mono' }, JSON.stringify(r.answer, null, 2)),
                  h('h4', {}, 'Trace'),
                  table(
                    'Trace',
                    ['Source', 'Outcome', 'ms', 'Detail'],
                    r.steps.map((s) => [text(s.source), text(s.outcome), text(String(s.ms)), text(s.detail)]),
                    'No source was asked (a withheld number).',
                  ),
                ),
              (err: Error) => out.replaceChildren(message(err.message, true)),
            );
          },
        },
        h('label', {}, 'Phone number', phone),
        h('button', { type: 'submit', class: 'primary' }, 'Test'),
      ),
      out,
    ),
  );
}

