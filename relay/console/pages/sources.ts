import type { Candidate, ContactChoiceView, SourceHealth } from '../../../shared/console';
import { dateLocale, t, type ConsoleKey } from '../i18n';
import { api, h, message, table, text, time } from '../view';

const CIRCUITS: Record<Exclude<SourceHealth['circuit'], 'open'>, ConsoleKey> = { closed: 'circuitClosed', 'half-open': 'circuitHalfOpen', none: 'circuitNone' };

/** What the source's circuit breaker means for the next call, in words; a failing one counts down to its next try. */
function sourceState(s: SourceHealth): HTMLElement {
  if (s.circuit !== 'open') return h('span', {}, t(CIRCUITS[s.circuit]));
  const until = Date.now() + (s.retryInSeconds ?? 0) * 1000;
  return h('span', { class: 'state missed', 'data-retry-at': String(until) }, t('circuitOpen', s.retryInSeconds ?? 0));
}

/**
 * Once a second, each failing source's "asked again in" counts down; when one's time has come the
 * chain is read again (it says "testing again" then). Stops with the page.
 */
function countDown(chain: HTMLElement, reload: () => Promise<void>): void {
  const timer = setInterval(() => {
    const waiting = [...chain.querySelectorAll<HTMLElement>('[data-retry-at]')];
    if (!chain.isConnected || waiting.length === 0) return clearInterval(timer);
    let due = false;
    for (const w of waiting) {
      const left = Math.ceil((Number(w.dataset.retryAt) - Date.now()) / 1000);
      due ||= left <= 0;
      w.textContent = t('circuitOpen', Math.max(0, left));
    }
    if (due) {
      clearInterval(timer);
      // The relay out of reach: the banner says so, and the count stays at 0.
      void reload().catch(() => undefined);
    }
  }, 1000);
}

/** The lookup chain, each source with what its state means; read again when a failing one is due. */
async function chainTable(chain: HTMLElement): Promise<void> {
  const sources = await api<SourceHealth[]>('/sources');
  chain.replaceChildren(
    table(
      t('lookupChain'),
      [t('colSource'), t('colKind'), t('colWhere'), t('colState'), t('colProblem')],
      sources.map((s) => [
        text(s.name),
        text(s.kind),
        text(s.local ? t('thisMachine') : t('remote')),
        sourceState(s),
        h('span', { class: s.problem ? 'state missed' : '', dir: 'ltr' }, s.problem),
      ]),
      t('noSources'),
    ),
  );
  if (sources.some((s) => s.circuit === 'open')) countDown(chain, () => chainTable(chain));
}

export async function sourcesPage(main: HTMLElement): Promise<void> {
  const chain = h('div');
  await chainTable(chain);
  const phone = h('input', { type: 'tel', name: 'phone', required: true });
  const out = h('div', { 'aria-live': 'polite' });
  interface Tested {
    answer: Record<string, string | number>;
    cache: string;
    steps: { source: string; outcome: string; ms: number; detail: string; candidates?: Candidate[]; records?: { returned: number; read: number } }[];
  }
  main.append(
    h('h2', {}, t('pageSources')),
    h(
      'section',
      { 'aria-labelledby': 'chain-h' },
      h('h3', { id: 'chain-h' }, t('lookupChainHeading')),
      chain,
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
                  ...r.steps.filter((s) => s.candidates?.length).map((s) => candidatesTable(s.source, s.candidates!, s.records)),
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
    await choicesSection(),
  );
}

/** Contacts agents chose for numbers with several matches: each can be cleared (the next call offers the choice again). */
async function choicesSection(): Promise<HTMLElement> {
  const list = h('div');
  const status = h('div', { 'aria-live': 'polite' });
  const load = async () => {
    const choices = await api<ContactChoiceView[]>('/choices');
    list.replaceChildren(
      table(
        t('rememberedChoices'),
        [t('colNumber'), t('colName'), t('colCompany'), t('colChosenBy'), t('colWhen'), t('colActions')],
        choices.map((c) => [
          h('span', { class: 'number' }, c.number),
          h('bdi', {}, c.name),
          h('bdi', {}, c.company),
          h('bdi', {}, c.chosenBy),
          text(time(c.chosenAt)),
          h(
            'button',
            {
              type: 'button',
              'aria-label': t('clearChoiceFor', c.number),
              onclick: () =>
                void api(`/choices/${encodeURIComponent(c.number)}`, { method: 'DELETE' })
                  .then(() => status.replaceChildren(message(t('choiceCleared', c.number))))
                  .then(load, (err: Error) => status.replaceChildren(message(err.message, true))),
            },
            t('clearChoice'),
          ),
        ]),
        t('noRememberedChoices'),
      ),
    );
  };
  await load();
  return h('section', { 'aria-labelledby': 'choices-h' }, h('h3', { id: 'choices-h' }, t('rememberedChoices')), h('p', {}, t('rememberedChoicesHelp')), status, list);
}


const count = (n: number) => n.toLocaleString(dateLocale());

/** Every record read from a source's answer for the number tested, kept or dropped, and why; and how many more it held, unread. */
function candidatesTable(source: string, candidates: Candidate[], records?: { returned: number; read: number }): HTMLElement {
  return h(
    'div',
    {},
    h('h4', {}, t('candidatesOf', source)),
    table(
      t('candidatesOf', source),
      [t('colName'), t('colCompany'), t('colNumbers'), t('colKept'), t('colWhy')],
      candidates.map((c) => [h('bdi', {}, c.name), h('bdi', {}, c.company), h('span', { class: 'number' }, c.numbers.join(', ')), text(c.kept ? t('kept') : t('dropped')), h('span', { dir: 'ltr' }, c.why)]),
      '',
    ),
    ...(records ? [h('p', {}, t('recordsNotRead', source, count(records.returned), count(records.read), count(records.returned - records.read)))] : []),
  );
}
