import browser from 'webextension-polyfill';
import type { CallView } from '../shared/messages';
import { canCallBack, compactTime, outcome, outcomeWords, rowText, type Outcome } from './call-display';
import { dateLocale, loadLanguage, localizePage, t } from './i18n';
import { sendToWorker, type RuntimeMessage } from './runtime-messages';
import { problemWords, stateWords } from './state-words';
import { getClickToCall, getSession } from './account';
import { continuityLostAt, recentCalls } from './call-book';
import { getConnection } from './connection-status';

const $ = (id: string) => document.getElementById(id)!;

/** The end of what the agent started in the popup, nothing waiting on it: a failure is logged in words. */
const failed = (what: string) => (err: unknown) => console.error(`popup: ${what} failed`, err);
/** Asks the worker: what it does shows in the popup (drawn again at each change), a failure to ask is logged. */
const ask = (message: RuntimeMessage) => {
  sendToWorker(message).catch(failed(`asking the worker for ${message.type}`));
};

/** The icon beside a call: how it went, at a glance (the words are there for screen readers). */
const ICONS: Record<Outcome, string> = { answered: '↙', missed: '✕', outgoing: '↗', 'answered-elsewhere': '⇄', ringing: '☎' };

function el(tag: string, className: string, text = ''): HTMLElement {
  const node = document.createElement(tag);
  node.className = className;
  // Text only: whatever the CRM returned is never read as markup.
  node.textContent = text;
  return node;
}

/** Text from outside (a CRM's name, a company): isolated in its own direction and never translated. */
function external(text: string): HTMLElement {
  const node = el('bdi', '', text);
  node.translate = false;
  return node;
}

/** A row's text that may not fit (a CRM's long name): the whole of it on hover, in its own direction. */
function clipped(className: string, text: string): HTMLElement {
  const node = el('span', className);
  node.append(external(text));
  node.title = text;
  node.dir = 'auto';
  return node;
}

function row(call: CallView, now: number, clickToCall: boolean): HTMLLIElement {
  const li = document.createElement('li');
  const button = document.createElement('button');
  button.type = 'button';
  const result = outcome(call);
  button.className = `call ${result}-row`;
  const text = rowText(call, t);
  const icon = el('span', `icon ${result}`, ICONS[result]);
  icon.setAttribute('aria-hidden', 'true');
  // People's names and companies as they are (bdi: in their own direction, not the page's).
  const name = clipped('name', text.title);
  const time = el('time', 'time', compactTime(call.startedAt, now, dateLocale()));
  time.setAttribute('datetime', new Date(call.startedAt).toISOString());
  const details = el('span', 'details');
  const company = clipped('company', text.company);
  // The number only when the name is not already the number.
  if (text.number !== text.title) details.append(el('span', 'number', text.number));
  details.append(company, el('span', 'sr-only', outcomeWords(result, t)));
  button.append(icon, name, time, details);
  // How the caller was matched, in plain words: shown on hover or focus only.
  if (text.via) {
    button.append(el('span', 'via', text.via));
    button.title = text.via;
  }
  button.addEventListener('click', () => ask({ type: 'open-call', ivrid: call.ivrid }));
  li.append(button);
  // The row's buttons one above the other beside it: the caller's name keeps most of the row.
  const actions = el('span', 'actions');
  // Several contacts have the number: the agent says which one it is (remembered for everyone).
  if (call.identity.choices?.length) {
    const choose = el('button', 'call-back', t('chooseContact'));
    choose.setAttribute('type', 'button');
    choose.addEventListener('click', () => ask({ type: 'open-chooser', ivrid: call.ivrid }));
    actions.append(choose);
  }
  // A past call with a number, where the relay has click-to-call: one click calls it back (the agent's phone rings first).
  if (clickToCall && canCallBack(call)) {
    const back = el('button', 'call-back', t('callBack'));
    back.setAttribute('type', 'button');
    back.setAttribute('aria-label', t('callBackTo', text.title));
    back.addEventListener('click', () => ask({ type: 'call-back', number: call.phone.e164 ?? call.phone.raw }));
    actions.append(back);
  }
  if (actions.childElementCount > 0) li.append(actions);
  return li;
}

let drawnIn = '';

async function render(): Promise<void> {
  const [session, connection, recent, lostAt, clickToCall, language] = await Promise.all([
    getSession(),
    getConnection(),
    recentCalls(),
    continuityLostAt(),
    getClickToCall(),
    loadLanguage(),
  ]);
  if (drawnIn !== language) {
    localizePage();
    drawnIn = language;
  }
  const gap = $('gap');
  gap.hidden = lostAt === 0;
  gap.textContent = lostAt ? t('continuityGap', new Date(lostAt).toLocaleTimeString(dateLocale(), { hour: '2-digit', minute: '2-digit' })) : '';
  const state = $('state');
  state.textContent = stateWords(connection.state, t);
  state.className = `state ${connection.state}`;
  // The agent's name (the extension user when the relay has none).
  const agent = $('agent');
  agent.textContent = session ? session.name || session.extenUser : '';
  agent.title = session ? session.extenUser : '';
  $('sign-out').hidden = session === null;
  const error = $('error');
  error.textContent = connection.state === 'connected' ? '' : problemWords(connection.problem, t);
  error.hidden = error.textContent === '';
  const now = Date.now();
  $('calls').replaceChildren(...recent.map((call) => row(call, now, clickToCall)));
  $('empty').hidden = recent.length > 0;
  $('empty-text').textContent = session ? t('emptySignedIn', session.extenUser) : t('emptySignedOut');
  $('options').hidden = session !== null;
}

const openOptions = () => {
  browser.runtime.openOptionsPage().catch(failed('opening the options page'));
};
$('options').addEventListener('click', openOptions);
$('settings').addEventListener('click', openOptions);
$('sign-out').addEventListener('click', () => ask({ type: 'sign-out' }));
const redraw = () => {
  render().catch(failed('drawing the popup'));
};
browser.storage.onChanged.addListener(redraw);
ask({ type: 'popup-opened' });
redraw();
