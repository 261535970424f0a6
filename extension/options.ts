import browser from 'webextension-polyfill';
import type { ErrorBody } from '../shared/errors';
import { signInResponseSchema } from '../shared/messages';
import { isolate } from './call-display';
import { loadLanguage, localizePage, t } from './i18n';
import { effectiveOpenCrm, getPolicy, type Policy } from './policy';
import { relayBases } from './relay-addresses';
import { sendToWorker } from './runtime-messages';
import { getSession, lastSignIn, saveSignIn } from './account';
import { getConnection } from './connection-status';
import { numberAfresh } from './message-order';
import { DEFAULT_PREFERENCES, getPreferences, setPreferences, type Preferences } from './preferences';
import { problemWords, stateWords } from './state-words';

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const form = $<HTMLFormElement>('sign-in');
const errorBox = $('error');

/** The language the page was last drawn in: a change redraws its fixed words too. */
let drawnIn = '';

async function render(): Promise<void> {
  const [session, connection, settings, language] = await Promise.all([getSession(), getConnection(), getPreferences(), loadLanguage()]);
  if (drawnIn !== language) {
    localizePage();
    drawnIn = language;
  }
  $<HTMLSelectElement>('language').value = settings.language ?? 'auto';
  const state = $('state');
  state.textContent = stateWords(connection.state, t);
  state.className = `state ${connection.state}`;
  form.hidden = session !== null;
  $('signed-in').hidden = session === null;
  const who = $('who');
  who.hidden = session === null;
  // The agent and the address each in their own direction inside the sentence.
  who.textContent = session ? t('signedInAs', isolate(session.name ? t('userWithName', session.extenUser, session.name) : session.extenUser), isolate(session.relayUrl)) : '';
  const problem = problemWords(connection.problem, t);
  if (problem && !errorBox.dataset.local) errorBox.textContent = problem;
  if (connection.state === 'connected') errorBox.textContent = '';
  const policy = await getPolicy();
  applyPolicy(policy);
  const openCrm = $<HTMLSelectElement>('open-crm');
  openCrm.value = effectiveOpenCrm(settings, policy);
  openCrm.disabled = policy.lockOpenCrm;
  $('open-crm-locked').hidden = !policy.lockOpenCrm;
  $<HTMLSelectElement>('after-answer').value = settings.afterAnswer;
  $<HTMLSelectElement>('missed-calls').value = settings.missedCalls ?? DEFAULT_PREFERENCES.missedCalls;
  const sites = $<HTMLTextAreaElement>('sites');
  if (document.activeElement !== sites) sites.value = (settings.sites ?? []).join('\n');
  if (!session) {
    const last = await lastSignIn();
    const relay = $<HTMLInputElement>('relay-url');
    const user = $<HTMLInputElement>('exten-user');
    if (!relay.value && last.lastRelayUrl) relay.value = last.lastRelayUrl;
    if (!user.value && last.lastExtenUser) user.value = last.lastExtenUser;
  }
}

/** What the organisation set by policy: the relay's address filled in (and locked), problems said. */
function applyPolicy(policy: Policy): void {
  const relay = $<HTMLInputElement>('relay-url');
  if (policy.relayUrls && (policy.lockRelayUrls || !relay.value)) relay.value = policy.relayUrls.join(', ');
  relay.readOnly = policy.lockRelayUrls;
  $('relay-url-locked').hidden = !policy.lockRelayUrls;
  const problems = $('policy-problems');
  problems.hidden = policy.problems === null;
  problems.textContent = policy.problems ? t('policyRelayUnusable', isolate(policy.problems.relayUrlsUnusable)) : '';
}

/**
 * Whether anything answers at the address. A server that is not our relay sends no CORS headers,
 * so the sign-in fetch fails as if nothing were there; an opaque request tells the two apart.
 */
async function answersAtAll(base: URL): Promise<boolean> {
  try {
    await fetch(base, { mode: 'no-cors', cache: 'no-store' });
    return true;
  } catch {
    return false;
  }
}

function showError(text: string): void {
  errorBox.textContent = text;
  errorBox.dataset.local = text ? '1' : '';
}

/** The end of what the agent started on the page, nothing waiting on it: a failure is logged in words. */
const failed = (what: string) => (err: unknown) => console.error(`options page: ${what} failed`, err);

form.addEventListener('submit', (event) => {
  event.preventDefault();
  signIn().catch(failed('signing in'));
});

async function signIn(): Promise<void> {
  showError('');
  const typed = $<HTMLInputElement>('relay-url').value;
  const bases = relayBases(typed);
  const extenUser = $<HTMLInputElement>('exten-user').value.trim();
  const passwordInput = $<HTMLInputElement>('password');
  if (!bases) {
    showError(t('errorRelayUrlFormat'));
    return;
  }
  // Tried in order: the first relay that answers decides (a wrong password is wrong on all of them).
  for (const base of bases) {
    let res: Response;
    try {
      res = await fetch(new URL('/api/sessions', base), {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ extenUser, password: passwordInput.value }),
      });
    } catch {
      continue;
    }
    await answered(res, base, bases, typed, passwordInput);
    return;
  }
  const first = bases[0]!;
  showError(
    bases.length > 1
      ? t('errorNoRelayReachable', isolate(bases.join(', ')))
      : (await answersAtAll(new URL(first)))
        ? t('errorNotOurRelay', isolate(first))
        : t('errorRelayUnreachableAt', isolate(first)),
  );
}

/** The relay's answer to a sign-in: a session kept (never the password), or the reason in words. */
async function answered(res: Response, base: string, bases: string[], typed: string, passwordInput: HTMLInputElement): Promise<void> {
  const body: unknown = await res.json().catch(() => null);
  const signedIn = res.status === 201 ? signInResponseSchema.safeParse(body) : null;
  if (signedIn?.success) {
    const ok = signedIn.data;
    passwordInput.value = '';
    // A new session's messages are numbered from the start: none of them was processed yet.
    await numberAfresh();
    await saveSignIn({ relayUrl: base, relayUrls: bases, token: ok.token, extenUser: ok.agent.extenUser, name: ok.agent.name, expiresAt: ok.expiresAt }, typed.trim());
    await sendToWorker({ type: 'signed-in' });
    await render();
    return;
  }
  const error = body as Partial<ErrorBody> | null;
  if (res.status === 401) showError(t('errorWrongPassword'));
  else if (error?.CODE === 'ACCOUNT_DISABLED') showError(t('errorAccountDisabled'));
  else if (res.status === 429) showError(t('errorTooManyAttempts'));
  else if (error?.STATUS === 'ERROR' && typeof error.ERROR === 'string') showError(t('errorRelayRefused', error.ERROR));
  else showError(t('errorNotARelay', isolate(base)));
}

$('sign-out').addEventListener('click', () => {
  sendToWorker({ type: 'sign-out' }).then(render).catch(failed('signing out'));
});

const saveSettings = async () => {
  const settings: Preferences = {
    openCrm: $<HTMLSelectElement>('open-crm').value as Preferences['openCrm'],
    afterAnswer: $<HTMLSelectElement>('after-answer').value as Preferences['afterAnswer'],
    missedCalls: $<HTMLSelectElement>('missed-calls').value as Preferences['missedCalls'],
    sites: $<HTMLTextAreaElement>('sites')
      .value.split(/[\s,]+/)
      .map((site) => site.trim())
      .filter(Boolean),
    language: $<HTMLSelectElement>('language').value as Preferences['language'],
  };
  await setPreferences(settings);
};
const save = () => {
  saveSettings().catch(failed('saving the settings'));
};
$('language').addEventListener('change', save);
$('open-crm').addEventListener('change', save);
$('after-answer').addEventListener('change', save);
$('missed-calls').addEventListener('change', save);
$('sites').addEventListener('change', save);

const redraw = () => {
  render().catch(failed('drawing the page'));
};
browser.storage.onChanged.addListener(redraw);
redraw();
