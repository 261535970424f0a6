import browser from 'webextension-polyfill';
import type { CallView } from '../shared/messages';
import { outcome, rowText } from './call-display';
import { sendToWorker } from './runtime-messages';
import { stateWords } from './state-words';
import { getSaved, getRuntime } from './storage';

const $ = (id: string) => document.getElementById(id)!;

function el(tag: string, className: string, text: string): HTMLElement {
  const node = document.createElement(tag);
  node.className = className;
  // Text only: whatever the CRM returned is never read as markup.
  node.textContent = text;
  return node;
}

function row(call: CallView): HTMLLIElement {
  const li = document.createElement('li');
  const button = document.createElement('button');
  button.type = 'button';
  const result = outcome(call);
  const time = new Date(call.startedAt).toLocaleString(undefined, { dateStyle: 'short', timeStyle: 'short' });
  const text = rowText(call);
  const first = el('div', 'row1', '');
  first.append(el('span', 'name', text.title), el('span', `outcome outcome-${result.replace(/ /g, '-')}`, result));
  const second = el('div', 'row2', '');
  second.append(el('span', 'number', text.number), el('span', 'company', text.company), el('time', 'time', time));
  button.append(first, second);
  // How the caller was identified: which source, and how the number matched.
  if (text.via) button.append(el('div', 'row3', text.via));
  button.addEventListener('click', () => void sendToWorker({ type: 'open-call', ivrid: call.ivrid }));
  li.append(button);
  return li;
}

async function render(): Promise<void> {
  const [session, connection, recent, lostAt] = await Promise.all([
    getSaved('session'),
    getRuntime('connection'),
    getSaved('recent'),
    getSaved('continuityLostAt'),
  ]);
  const gap = $('gap');
  gap.hidden = lostAt === 0;
  gap.textContent = lostAt
    ? `The connection was lost for a while before ${new Date(lostAt).toLocaleTimeString(undefined, { timeStyle: 'short' })}: calls from then may be missing here.`
    : '';
  const state = $('state');
  state.textContent = stateWords(connection.state);
  state.className = `state ${connection.state}`;
  $('user').textContent = session ? session.extenUser : '';
  $('error').textContent = connection.state === 'connected' ? '' : connection.error;
  $('calls').replaceChildren(...recent.map(row));
  const empty = $('empty');
  empty.hidden = recent.length > 0;
  empty.textContent = session
    ? `No calls yet. Calls to ${session.extenUser} will show here as they ring.`
    : 'Sign in with your Voicenter extension user to see who is calling.';
  $('options').hidden = session !== null;
}

$('options').addEventListener('click', () => void browser.runtime.openOptionsPage());
browser.storage.onChanged.addListener(() => void render());
void sendToWorker({ type: 'popup-opened' });
void render();
