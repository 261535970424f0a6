/**
 * The supervisor console: a page served by the relay at `/`, talking to /console/api on the
 * same origin. Plain DOM, no framework: one module per page (pages/), one live event stream
 * (floor.ts), one small view helper (view.ts).
 */
import { stopFloor, watchFloor, whenReachable } from './floor';
import { agentsPage } from './pages/agents';
import { logPage } from './pages/call-log';
import { directoryPage } from './pages/directory';
import { livePage } from './pages/live';
import { settingsPage } from './pages/settings';
import { sourcesPage } from './pages/sources';
import { currentLanguage, setLanguage, t, type ConsoleKey } from './i18n';
import { api, ApiError, h, message, whenSignedOut } from './view';

const app = document.getElementById('app')!;
/** Above every page: says when the relay cannot be reached, and that what is shown may be old. */
const connection = h('div', { class: 'connection', role: 'alert', hidden: true });
let relayReachable = true;
const sayReachability = () => {
  connection.hidden = relayReachable;
  connection.textContent = relayReachable ? '' : t('relayUnreachableBanner');
  document.body.classList.toggle('stale', !relayReachable);
};
whenReachable((reachable) => {
  relayReachable = reachable;
  sayReachability();
});

const PAGES: Record<string, { title: ConsoleKey; render: (main: HTMLElement) => void | Promise<void> }> = {
  live: { title: 'pageLive', render: livePage },
  log: { title: 'pageCallLog', render: logPage },
  agents: { title: 'pageAgents', render: agentsPage },
  directory: { title: 'pageDirectory', render: directoryPage },
  sources: { title: 'pageSources', render: sourcesPage },
  settings: { title: 'pageSettings', render: settingsPage },
};

let signedInAs: string | undefined;

/** English or Hebrew, on every page: the choice is remembered and the page drawn again in it. */
function languageSwitch(redraw: () => void): HTMLElement {
  const select = h(
    'select',
    { 'aria-label': t('language'), onchange: (e) => (setLanguage((e.currentTarget as HTMLSelectElement).value as 'en' | 'he'), sayReachability(), redraw()) },
    h('option', { value: 'en', lang: 'en', dir: 'ltr', selected: currentLanguage() === 'en' }, 'English'),
    h('option', { value: 'he', lang: 'he', dir: 'rtl', selected: currentLanguage() === 'he' }, 'עברית'),
  );
  return h('div', { class: 'language' }, select);
}

/** The sign-in page; `problem`, said on it in words (a sign-out the relay did not confirm). */
function showSignIn(problem?: string): void {
  signedInAs = undefined;
  stopFloor();
  document.title = t('titleSignIn');
  const username = h('input', { type: 'text', name: 'username', autocomplete: 'username', required: true });
  const password = h('input', { type: 'password', name: 'password', autocomplete: 'current-password', required: true });
  const status = h('div', { 'aria-live': 'polite' }, problem && message(problem, true));
  app.replaceChildren(
    h(
      'main',
      { class: 'signin' },
      languageSwitch(() => showSignIn()),
      h('h1', {}, t('consoleName')),
      h(
        'form',
        {
          onsubmit: (e) => {
            e.preventDefault();
            api<{ username: string }>('/session', { method: 'POST', json: { username: username.value, password: password.value } }).then(
              (r) => {
                signedInAs = r.username;
                route();
              },
              (err: Error) => status.replaceChildren(message(err.message, true)),
            );
          },
        },
        h('label', {}, t('username'), username),
        h('label', {}, t('password'), password),
        h('button', { type: 'submit', class: 'primary' }, t('signIn')),
        status,
      ),
    ),
  );
  username.focus();
}

/** Draws the page the address names; what fails outside the page's own drawing is said below it too. */
function route(): void {
  drawRoute().catch((err: unknown) => app.append(message((err as Error).message, true)));
}

async function drawRoute(): Promise<void> {
  if (!signedInAs) {
    try {
      signedInAs = (await api<{ username: string }>('/session')).username;
    } catch {
      return showSignIn();
    }
  }
  const key = location.hash.replace(/^#\/?/, '') || 'live';
  const page = PAGES[key] ?? PAGES.live!;
  document.title = t('titlePage', t(page.title));
  watchFloor();
  const main = h('main', { id: 'main' });
  app.replaceChildren(
    h(
      'header',
      {},
      h('h1', {}, t('consoleShortName')),
      h(
        'nav',
        { 'aria-label': t('navConsole') },
        h('ul', {}, ...Object.entries(PAGES).map(([k, p]) => h('li', {}, h('a', { href: `#/${k}`, 'aria-current': k === key ? 'page' : undefined }, t(p.title))))),
      ),
      h(
        'div',
        { class: 'who' },
        languageSwitch(route),
        h('span', {}, signedInAs ?? ''),
        h('button', { type: 'button', onclick: signOut }, t('signOut')),
      ),
    ),
    connection,
    main,
  );
  try {
    await page.render(main);
  } catch (err) {
    main.append(message((err as Error).message, true));
  }
}

/** Back to the sign-in page either way; a sign-out the relay did not confirm is said there (the session may still be open). */
function signOut(): void {
  api('/session', { method: 'DELETE' }).then(
    () => showSignIn(),
    // A 401: the session had already ended, which is what was asked.
    (err: Error) => showSignIn(err instanceof ApiError && err.status === 401 ? undefined : err.message),
  );
}

setLanguage(currentLanguage(), false);
whenSignedOut(() => showSignIn());
window.addEventListener('hashchange', route);
route();
