/**
 * The supervisor console: a page served by the relay at `/`, talking to /console/api on the
 * same origin. Plain DOM, no framework: seven small pages, one live event stream.
 * Text from calls and the CRM only ever goes in as text (textContent), never as HTML.
 */
import { CONSOLE_HEADER, type ConsoleSettings as Settings, type DirectoryEntry, type Floor, type FloorAgent, type ImportPreview, type LiveCallView, type LoggedCall, type SourceHealth } from '../../shared/console';

type Child = Node | string | null | undefined | false;
type Attrs = Record<string, string | boolean | ((e: Event) => void) | undefined>;

/** Creates an element: string attributes, boolean ones, `on…` listeners, then children as text or nodes. */
function h<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Attrs = {}, ...children: Child[]): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === false) continue;
    if (typeof v === 'function') el.addEventListener(k.slice(2), v);
    else if (v === true) el.setAttribute(k, '');
    else el.setAttribute(k, v);
  }
  for (const c of children) if (c !== null && c !== undefined && c !== false) el.append(c);
  return el;
}

class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** Calls the console API; a 401 sends the administrator back to the sign-in page. */
async function api<T>(path: string, init: { method?: string; json?: unknown; body?: string; type?: string } = {}): Promise<T> {
  const headers: Record<string, string> = { [CONSOLE_HEADER]: '1' };
  let body: string | undefined = init.body;
  if (init.json !== undefined) {
    headers['Content-Type'] = 'application/json';
    body = JSON.stringify(init.json);
  } else if (init.type) headers['Content-Type'] = init.type;
  const res = await fetch(`/console/api${path}`, { method: init.method ?? 'GET', headers, body, credentials: 'same-origin' });
  if (res.status === 204) return undefined as T;
  const data = (await res.json().catch(() => ({}))) as T & { ERROR?: string };
  if (!res.ok) {
    if (res.status === 401 && path !== '/session') void showSignIn();
    throw new ApiError(res.status, data.ERROR ?? `HTTP ${res.status}`);
  }
  return data;
}

const app = document.getElementById('app')!;
/** Calls the log page shows at once (the API's default page); the CSV export has up to 10,000. */
const LOG_PAGE = 200;
const time = (ms: number | null) => (ms === null ? '' : new Date(ms).toLocaleString());
const clock = (ms: number) => new Date(ms).toLocaleTimeString();
const numberOf = (c: { phone: { raw: string; local: string; withheld: boolean } }) => (c.phone.withheld ? 'withheld' : c.phone.local || c.phone.raw);

function message(text: string, error = false): HTMLElement {
  return h('p', { class: error ? 'message error' : 'message', role: error ? 'alert' : 'status' }, text);
}

function table(caption: string, headers: string[], rows: Node[][], empty: string): HTMLElement {
  if (rows.length === 0) return h('p', { class: 'empty' }, empty);
  return h(
    'table',
    {},
    h('caption', { class: 'visually-hidden' }, caption),
    h('thead', {}, h('tr', {}, ...headers.map((t) => h('th', { scope: 'col' }, t)))),
    h('tbody', {}, ...rows.map((cells) => h('tr', {}, ...cells.map((c) => h('td', {}, c))))),
  );
}

const text = (s: string) => document.createTextNode(s);

// ---------------------------------------------------------------- live floor (server-sent events)

let events: EventSource | undefined;
let floor: Floor | undefined;
const floorListeners = new Set<() => void>();

function watchFloor(): void {
  if (events) return;
  events = new EventSource('/console/api/floor/events');
  events.addEventListener('floor', (e) => {
    floor = JSON.parse((e as MessageEvent<string>).data) as Floor;
    for (const l of floorListeners) l();
  });
}

function onFloor(listener: () => void): void {
  floorListeners.clear();
  floorListeners.add(listener);
  if (floor) listener();
}

// ---------------------------------------------------------------- pages

const PAGES: Record<string, { title: string; render: (main: HTMLElement) => void | Promise<void> }> = {
  live: { title: 'Live', render: livePage },
  log: { title: 'Call log', render: logPage },
  agents: { title: 'Agents', render: agentsPage },
  directory: { title: 'Directory', render: directoryPage },
  sources: { title: 'Sources', render: sourcesPage },
  settings: { title: 'Settings', render: settingsPage },
};

function livePage(main: HTMLElement): void {
  const agents = h('div');
  const calls = h('div');
  main.append(
    h('h2', {}, 'Live'),
    h('section', { 'aria-labelledby': 'calls-h' }, h('h3', { id: 'calls-h' }, 'Live calls'), calls),
    h('section', { 'aria-labelledby': 'agents-h' }, h('h3', { id: 'agents-h' }, 'Agents'), agents),
  );
  onFloor(() => {
    const f = floor!;
    calls.replaceChildren(
      table(
        'Live calls',
        ['Caller', 'Number', 'Company', 'State', 'Agents', 'Started'],
        f.calls.map((c: LiveCallView) => [
          text(c.identity.name || c.callerName || numberOf(c)),
          text(numberOf(c)),
          text(c.identity.company),
          h('span', { class: `state ${c.state}` }, c.state),
          text(c.stations.map((s) => `${s.extenUser} (${s.state})`).join(', ')),
          text(clock(c.startedAt)),
        ]),
        'No calls right now.',
      ),
    );
    agents.replaceChildren(
      table(
        'Agents',
        ['Extension user', 'Name', 'Connected', 'Browsers', 'Since'],
        f.agents.map((a: FloorAgent) => [
          text(a.extenUser),
          text(a.name),
          h('span', { class: a.browsers > 0 ? 'yes' : 'no' }, a.browsers > 0 ? 'connected' : a.enabled ? 'not connected' : 'disabled'),
          text(String(a.browsers)),
          text(a.since ? time(a.since) : ''),
        ]),
        'No agents yet: add them on the Agents page.',
      ),
    );
  });
}

async function logPage(main: HTMLElement): Promise<void> {
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
            text(c.identity?.name || c.callerName || ''),
            text(c.phone || 'withheld'),
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
  let known = floor?.calls.length;
  onFloor(() => {
    if (floor!.calls.length !== known) void load();
    known = floor!.calls.length;
  });
}

async function agentsPage(main: HTMLElement): Promise<void> {
  const status = h('div', { 'aria-live': 'polite' });
  const list = h('div');
  const extenUser = h('input', { type: 'text', name: 'extenUser', required: true, autocomplete: 'off' });
  const name = h('input', { type: 'text', name: 'name', autocomplete: 'off' });
  const password = h('input', { type: 'password', name: 'password', autocomplete: 'new-password' });
  const show = (text: string, error = false) => status.replaceChildren(message(text, error));
  const load = async () => {
    const agents = await api<FloorAgent[]>('/agents');
    list.replaceChildren(
      table(
        'Agents',
        ['Extension user', 'Name', 'Status', 'Browsers', 'Actions'],
        agents.map((a) => [
          text(a.extenUser),
          text(a.name),
          text(a.enabled ? 'enabled' : 'disabled'),
          text(String(a.browsers)),
          h(
            'span',
            {},
            h(
              'button',
              {
                type: 'button',
                class: a.enabled ? 'danger' : '',
                'aria-label': `${a.enabled ? 'Disable' : 'Enable'} ${a.extenUser}`,
                onclick: () =>
                  void api(`/agents/${encodeURIComponent(a.extenUser)}`, { method: 'PATCH', json: { enabled: !a.enabled } })
                    .then(() => show(`${a.extenUser} ${a.enabled ? 'disabled: its browsers are signed out' : 'enabled'}.`))
                    .then(load, (err: Error) => show(err.message, true)),
              },
              a.enabled ? 'Disable' : 'Enable',
            ),
            ' ',
            h(
              'button',
              {
                type: 'button',
                'aria-label': `New password for ${a.extenUser}`,
                onclick: () =>
                  void api<{ password: string }>(`/agents/${encodeURIComponent(a.extenUser)}/password`, { method: 'POST', json: {} }).then(
                    (r) => show(`New password for ${a.extenUser}: ${r.password} (its browsers are signed out).`),
                    (err: Error) => show(err.message, true),
                  ),
              },
              'New password',
            ),
          ),
        ]),
        'No agents yet.',
      ),
    );
  };
  main.append(
    h('h2', {}, 'Agents'),
    h(
      'section',
      { 'aria-labelledby': 'add-h' },
      h('h3', { id: 'add-h' }, 'Add an agent'),
      h(
        'form',
        {
          class: 'inline',
          onsubmit: (e) => {
            e.preventDefault();
            void api<{ extenUser: string; password?: string }>('/agents', {
              method: 'POST',
              json: { extenUser: extenUser.value, name: name.value, password: password.value || undefined },
            }).then(
              (r) => {
                show(r.password ? `Added ${r.extenUser}. Password: ${r.password}` : `Added ${r.extenUser}.`);
                extenUser.value = name.value = password.value = '';
                return load();
              },
              (err: Error) => show(err.message, true),
            );
          },
        },
        h('label', {}, 'Extension user', extenUser),
        h('label', {}, 'Name', name),
        h('label', {}, 'Password (empty: generate one)', password),
        h('button', { type: 'submit', class: 'primary' }, 'Add agent'),
      ),
      status,
    ),
    h('section', { 'aria-labelledby': 'roster-h' }, h('h3', { id: 'roster-h' }, 'Roster'), list),
  );
  await load();
}

async function directoryPage(main: HTMLElement): Promise<void> {
  const file = h('input', { type: 'file', name: 'csv', accept: '.csv,text/csv' });
  const upload = h('div', { 'aria-live': 'polite' });
  const results = h('div');
  const search = h('input', { type: 'search', name: 'q' });
  const total = h('p', { class: 'message' });
  let csv = '';

  const report = (r: ImportPreview, done: boolean) => {
    const bad = r.bad.length
      ? table('Bad rows', ['Line', 'Problem'], r.bad.map((b) => [text(String(b.line)), text(b.reason)]), '')
      : h('p', {}, 'No bad rows.');
    upload.replaceChildren(
      message(
        done
          ? `Imported: ${r.added} new, ${r.updated} updated; ${r.bad.length} bad rows left out.`
          : `${r.good} rows ready to import; ${r.bad.length} bad rows will be left out.`,
      ),
      bad,
      done ? null : h('button', { type: 'button', class: 'primary', onclick: () => void send(false) }, 'Import'),
    );
  };
  const send = async (dryRun: boolean) => {
    try {
      const r = await api<ImportPreview>(`/contacts/import${dryRun ? '?dryRun=1' : ''}`, { method: 'POST', body: csv, type: 'text/csv' });
      report(r, !dryRun);
      if (!dryRun) await find();
    } catch (err) {
      upload.replaceChildren(message((err as Error).message, true));
    }
  };

  const editor = (c: DirectoryEntry, row: HTMLElement) => {
    const f = {
      name: h('input', { type: 'text', value: c.name, required: true }),
      company: h('input', { type: 'text', value: c.company }),
      url: h('input', { type: 'url', value: c.url }),
      phones: h('input', { type: 'text', value: c.phones.join(', ') }),
    };
    const note = h('div', { 'aria-live': 'polite' });
    row.replaceWith(
      h(
        'form',
        {
          class: 'inline',
          'aria-label': `Edit ${c.name}`,
          onsubmit: (e) => {
            e.preventDefault();
            void api(`/contacts/${c.key}`, {
              method: 'PUT',
              json: { name: f.name.value, company: f.company.value, url: f.url.value, phones: f.phones.value.split(',').map((p) => p.trim()).filter(Boolean) },
            }).then(find, (err: Error) => note.replaceChildren(message(err.message, true)));
          },
        },
        h('label', {}, 'Name', f.name),
        h('label', {}, 'Company', f.company),
        h('label', {}, 'URL', f.url),
        h('label', {}, 'Phones (comma-separated)', f.phones),
        h('button', { type: 'submit', class: 'primary' }, 'Save'),
        h('button', { type: 'button', onclick: () => void find() }, 'Cancel'),
        note,
      ),
    );
  };

  const find = async () => {
    const r = await api<{ total: number; contacts: DirectoryEntry[] }>(`/contacts?q=${encodeURIComponent(search.value)}`);
    total.textContent = `${r.total} contacts in the directory${search.value ? `; ${r.contacts.length} shown` : ''}.`;
    const rows = r.contacts.map((c) => {
      const row = h(
        'div',
        {},
        h('button', { type: 'button', 'aria-label': `Edit ${c.name}`, onclick: (e) => editor(c, (e.currentTarget as HTMLElement).closest('table')!) }, 'Edit'),
      );
      return [text(c.name), text(c.company), text(c.phones.join(', ')), text(c.id), row];
    });
    results.replaceChildren(table('Contacts', ['Name', 'Company', 'Phones', 'Id', ''], rows, 'No contacts match.'));
  };

  main.append(
    h('h2', {}, 'Directory'),
    h(
      'section',
      { 'aria-labelledby': 'upload-h' },
      h('h3', { id: 'upload-h' }, 'Upload contacts'),
      h('p', {}, 'A CSV file with a header row: name, company, phone (phone2, … for more numbers), optional id and url. Re-uploading updates contacts by id.'),
      h(
        'form',
        {
          class: 'inline',
          onsubmit: (e) => {
            e.preventDefault();
            const chosen = file.files?.[0];
            if (!chosen) return void upload.replaceChildren(message('Choose a CSV file first.', true));
            void chosen.text().then((t) => {
              csv = t;
              return send(true);
            });
          },
        },
        h('label', {}, 'CSV file', file),
        h('button', { type: 'submit' }, 'Preview'),
      ),
      upload,
    ),
    h(
      'section',
      { 'aria-labelledby': 'search-h' },
      h('h3', { id: 'search-h' }, 'Contacts'),
      h(
        'form',
        { class: 'inline', role: 'search', 'aria-label': 'Find contacts', onsubmit: (e) => (e.preventDefault(), void find()) },
        h('label', {}, 'Search contacts', search),
        h('button', { type: 'submit' }, 'Search'),
      ),
      total,
      results,
    ),
  );
  await find();
}

async function sourcesPage(main: HTMLElement): Promise<void> {
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

async function settingsPage(main: HTMLElement): Promise<void> {
  const s = await api<Settings>('/settings');
  const status = h('div', { 'aria-live': 'polite' });
  const url = h('input', { type: 'text', readonly: true, value: s.popupUrl, class: 'mono', size: '70' });
  main.append(
    h('h2', {}, 'Settings'),
    h(
      'section',
      { 'aria-labelledby': 'popup-h' },
      h('h3', { id: 'popup-h' }, 'Voicenter pop-up URL'),
      h('p', {}, 'Paste it in Voicenter as the "Pop-up Screen URL". Use the address Voicenter reaches this relay at.'),
      h('label', {}, 'Pop-up URL', url),
      h(
        'p',
        {},
        h(
          'button',
          { type: 'button', onclick: () => void navigator.clipboard.writeText(url.value).then(() => status.replaceChildren(message('Copied.')), () => url.select()) },
          'Copy',
        ),
        ' ',
        h(
          'button',
          {
            type: 'button',
            class: 'danger',
            disabled: s.tokenFromEnvironment,
            onclick: () => {
              if (!confirm('Rotate the pop-up token? The current URL stops working at once; update it in Voicenter.')) return;
              void api<Settings>('/settings/rotate-token', { method: 'POST' }).then(
                (n) => {
                  url.value = n.popupUrl;
                  status.replaceChildren(message('New pop-up URL: update it in Voicenter now.'));
                },
                (err: Error) => status.replaceChildren(message(err.message, true)),
              );
            },
          },
          'Rotate pop-up token',
        ),
      ),
      s.tokenFromEnvironment ? h('p', {}, 'The token is set by RELAY_VOICENTER_TOKEN: change it there.') : null,
      status,
    ),
    h(
      'section',
      { 'aria-labelledby': 'ext-h' },
      h('h3', { id: 'ext-h' }, 'Extension and origins'),
      h(
        'dl',
        {},
        h('dt', {}, 'Extension id'),
        h('dd', { class: 'mono' }, s.extensionId),
        h('dt', {}, 'Extension origins (sign-in, live connection)'),
        h('dd', { class: 'mono' }, s.extensionOrigins.join(', ')),
        h('dt', {}, 'Pop-up origins (CORS)'),
        h('dd', { class: 'mono' }, s.popupOrigins.join(', ')),
        h('dt', {}, 'Pop-up allowed addresses'),
        h('dd', { class: 'mono' }, s.popupAllowIps.length ? s.popupAllowIps.join(', ') : 'any'),
      ),
    ),
  );
}

// ---------------------------------------------------------------- shell and sign-in

let signedInAs: string | undefined;

async function showSignIn(): Promise<void> {
  signedInAs = undefined;
  events?.close();
  events = undefined;
  floor = undefined;
  document.title = 'Sign in · Screen Pop console';
  const username = h('input', { type: 'text', name: 'username', autocomplete: 'username', required: true });
  const password = h('input', { type: 'password', name: 'password', autocomplete: 'current-password', required: true });
  const status = h('div', { 'aria-live': 'polite' });
  app.replaceChildren(
    h(
      'main',
      { class: 'signin' },
      h('h1', {}, 'Screen Pop console'),
      h(
        'form',
        {
          onsubmit: (e) => {
            e.preventDefault();
            void api<{ username: string }>('/session', { method: 'POST', json: { username: username.value, password: password.value } }).then(
              (r) => {
                signedInAs = r.username;
                void route();
              },
              (err: Error) => status.replaceChildren(message(err.message, true)),
            );
          },
        },
        h('label', {}, 'Username', username),
        h('label', {}, 'Password', password),
        h('button', { type: 'submit', class: 'primary' }, 'Sign in'),
        status,
      ),
    ),
  );
  username.focus();
}

async function route(): Promise<void> {
  if (!signedInAs) {
    try {
      signedInAs = (await api<{ username: string }>('/session')).username;
    } catch {
      return showSignIn();
    }
  }
  const key = location.hash.replace(/^#\/?/, '') || 'live';
  const page = PAGES[key] ?? PAGES.live!;
  document.title = `${page.title} · Screen Pop console`;
  watchFloor();
  floorListeners.clear();
  const main = h('main', { id: 'main' });
  app.replaceChildren(
    h(
      'header',
      {},
      h('h1', {}, 'Screen Pop'),
      h(
        'nav',
        { 'aria-label': 'Console' },
        h('ul', {}, ...Object.entries(PAGES).map(([k, p]) => h('li', {}, h('a', { href: `#/${k}`, 'aria-current': k === key ? 'page' : undefined }, p.title)))),
      ),
      h(
        'div',
        { class: 'who' },
        h('span', {}, signedInAs ?? ''),
        h('button', { type: 'button', onclick: () => void api('/session', { method: 'DELETE' }).finally(() => void showSignIn()) }, 'Sign out'),
      ),
    ),
    main,
  );
  try {
    await page.render(main);
  } catch (err) {
    main.append(message((err as Error).message, true));
  }
}

window.addEventListener('hashchange', () => void route());
void route();
