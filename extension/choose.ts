import browser from 'webextension-polyfill';
import type { CallView, Choice } from '../shared/messages';
import { rowText } from './call-display';
import { loadLanguage, localizePage, t } from './i18n';
import { sendToWorker } from './runtime-messages';
import { findCall } from './call-book';

/**
 * "Choose contact": the number matched several contacts; the agent says which one is calling. The
 * choice opens that contact's page and is remembered for the number for the whole company (the relay
 * keeps it: POST /api/choices). Opened from the notification's button or the popup's row (?ivrid=).
 */
const $ = (id: string) => document.getElementById(id)!;

function choiceButton(call: CallView, choice: Choice): HTMLLIElement {
  const li = document.createElement('li');
  const button = document.createElement('button');
  button.type = 'button';
  button.classList.add('call', 'choice');
  const name = document.createElement('bdi');
  name.className = 'name';
  name.textContent = choice.name;
  const company = document.createElement('bdi');
  company.className = 'company';
  company.textContent = choice.company;
  button.append(name, company);
  if (call.identity.status === 'found' && call.identity.id === choice.id) button.setAttribute('aria-current', 'true');
  const refused = (text: string) => {
    const error = $('error');
    error.textContent = text;
    error.hidden = false;
  };
  button.addEventListener('click', () => {
    sendToWorker({ type: 'choose-contact', ivrid: call.ivrid, source: choice.source, id: choice.id }).then(
      (answer) => {
        const outcome = answer as { ok?: boolean; error?: string } | undefined;
        if (outcome?.ok) return window.close();
        refused(outcome?.error ?? t('chooseContactFailed'));
      },
      // The worker did not answer (stopped, or its handler failed): the choice was not saved either.
      (err: unknown) => {
        console.error('choose contact: the worker did not take the choice', err);
        refused(t('chooseContactFailed'));
      },
    );
  });
  li.append(button);
  return li;
}

async function render(): Promise<void> {
  await loadLanguage();
  localizePage();
  const ivrid = new URLSearchParams(location.search).get('ivrid') ?? '';
  const call = await findCall(ivrid);
  const choices = call?.identity.choices ?? [];
  $('heading').textContent = call ? t('chooseContactFor', rowText(call, t).number) : t('chooseContact');
  $('choices').replaceChildren(...(call ? choices.map((c) => choiceButton(call, c)) : []));
  $('error').textContent = !call || choices.length === 0 ? t('chooseContactGone') : '';
  $('error').hidden = $('error').textContent === '';
}

// (The worker may still be saving the call when the page opens; a later choice by another agent shows too.)
const redraw = () => {
  render().catch((err: unknown) => console.error('choose contact: drawing the page failed', err));
};
browser.storage.onChanged.addListener(redraw);
redraw();
