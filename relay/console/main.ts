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
import { api, h, message, whenSignedOut } from './view';

const app = document.getElementById('app')!;
/** Above every page: says when the relay cannot be reached, and that what is shown may be old. */
const connection = h('div', { class: 'connection', role: 'alert', hidden: true });
whenReachable((reachable) => {
  connection.hidden = reachable;
  connection.textContent = reachable ? '' : 'The relay cannot be reached: what is shown may be out of date. The console reconnects by itself.';
  document.body.classList.toggle('stale', !reachable);
});

const PAGES: Record<string, { title: string; render: (main: HTMLElement) => void | Promise<void> }> = {
  live: { title: 'Live', render: livePage },
  log: { title: 'Call log', render: logPage },
  agents: { title: 'Agents', render: agentsPage },
  directory: { title: 'Directory', render: directoryPage },
  sources: { title: 'Sources', render: sourcesPage },
  settings: { title: 'Settings', render: settingsPage },
};

let signedInAs: string | undefined;

function showSignIn(): void {
  signedInAs = undefined;
  stopFloor();
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
        h('button', { type: 'button', onclick: () => void api('/session', { method: 'DELETE' }).finally(showSignIn) }, 'Sign out'),
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

whenSignedOut(showSignIn);
window.addEventListener('hashchange', () => void route());
void route();
