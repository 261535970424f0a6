import type { SourceHealth } from '../../../shared/console';
import { t, type ConsoleKey } from '../i18n';
import { api, h, message, table, text } from '../view';

const CIRCUITS: Record<SourceHealth['circuit'], ConsoleKey> = { closed: 'circuitClosed', open: 'circuitOpen', 'half-open': 'circuitHalfOpen', none: 'circuitNone' };

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
    h('h2', {}, t('pageSources')),
    h(
      'section',
      { 'aria-labelledby': 'chain-h' },
      h('h3', { id: 'chain-h' }, t('lookupChainHeading')),
      table(
        t('lookupChain'),
        [t('colSource'), t('colKind'), t('colWhere'), t('colCircuit')],
        sources.map((s) => [text(s.name), text(s.kind), text(s.local ? t('thisMachine') : t('remote')), h('span', { class: s.circuit === 'open' ? 'state missed' : '' }, t(CIRCUITS[s.circuit]))]),
        t('noSources'),
      ),
    ),
    h(
      'section',
      { 'aria-labelledby': 'test-h' },
      h('h3', { id: 'test-h' }, t('testNumber')),
      h(
        'form',
        {
          class: 'inline',
          onsubmit: (e) => {
            e.preventDefault();
            out.replaceChildren(message(t('lookingUp')));
            void api<Tested>('/sources/test', { method: 'POST', json: { phone: phone.value } }).then(
              (r) =>
                out.replaceChildren(
                  h('h4', {}, t('whatVoicenterGets')),
                  h('pre', { class: 'mono', dir: 'ltr' }, JSON.stringify(r.answer, null, 2)),
                  h('h4', {}, t('trace')),
                  table(
                    t('trace'),
                    [t('colSource'), t('colOutcome'), t('colMs'), t('colDetail')],
                    r.steps.map((s) => [text(s.source), text(s.outcome), text(String(s.ms)), text(s.detail)]),
                    t('noSourceAsked'),
                  ),
                ),
              (err: Error) => out.replaceChildren(message(err.message, true)),
            );
          },
        },
        h('label', {}, t('phoneNumber'), phone),
        h('button', { type: 'submit', class: 'primary' }, t('test')),
      ),
      out,
    ),
  );
}

