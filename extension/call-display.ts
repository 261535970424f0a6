import type { CallView } from '../shared/messages';
import { callerTitle, lineOf, numberForPeople } from '../shared/caller';
import { isHttpUrl } from '../shared/url';
import { callerWords, type MessageKey, type Translate } from './catalogue';

/*
 * What the agent reads of a call, in the agent's language: every function takes the page's or the
 * worker's `t` (extension/i18n.ts; tests pass a catalogue's own).
 */

/**
 * Wraps text from outside (CRM names, company names) in Unicode first-strong isolates, so a
 * Hebrew or Arabic name followed by Latin digits keeps both in their own direction.
 */
export function isolate(text: string): string {
  return text === '' ? '' : `\u2068${text}\u2069`;
}

/** A phone number kept left to right and whole inside right-to-left text (a left-to-right isolate). */
export function leftToRight(text: string): string {
  return text === '' ? '' : `\u2066${text}\u2069`;
}

/** The line under the number: the call's state, several matches or a lookup still running, and the queue or line. */
export function callerContext(call: CallView, t: Translate): string {
  const { identity } = call;
  return [
    call.state === 'talking' ? t('stateTalking') : call.state === 'hold' ? t('stateOnHold') : '',
    identity.status === 'multiple' ? t('matchesCount', identity.total) : identity.status === 'pending' ? t('lookingUp') : '',
    lineOf(call, callerWords(t)),
  ]
    .filter(Boolean)
    .join(' · ');
}

export type Outcome = 'answered' | 'missed' | 'outgoing' | 'answered-elsewhere' | 'ringing';

/** How a call went for this agent (the call list's icon and words). */
export function outcome(call: CallView): Outcome {
  if (call.direction === 'outgoing' || call.state === 'dialing') return 'outgoing';
  if (call.answeredBy === 'me') return 'answered';
  if (call.answeredBy === 'other') return 'answered-elsewhere';
  return call.state === 'ended' ? 'missed' : 'ringing';
}

const OUTCOME_WORDS: Record<Outcome, MessageKey> = {
  answered: 'outcomeAnswered',
  missed: 'outcomeMissed',
  outgoing: 'outcomeOutgoing',
  'answered-elsewhere': 'outcomeAnsweredElsewhere',
  ringing: 'outcomeRinging',
};
export const outcomeWords = (result: Outcome, t: Translate): string => t(OUTCOME_WORDS[result]);

/** When a call came, compactly: "14:17" today, the day and month otherwise (in `locale`). */
export function compactTime(at: number, now: number, locale: string | undefined): string {
  const date = new Date(at);
  return new Date(now).toDateString() === date.toDateString()
    ? date.toLocaleTimeString(locale, { hour: '2-digit', minute: '2-digit' })
    : date.toLocaleDateString(locale, { day: 'numeric', month: 'short' });
}

/**
 * How the caller was matched, in plain words: the relay says it in English ("exact number",
 * "last 9 digits", "…, from the cache"); the known forms are said in the agent's language.
 */
export function howMatched(identity: CallView['identity'], t: Translate): string {
  if (!identity.source) return '';
  const fromCache = /from the cache$/.test(identity.how);
  const how = identity.how.replace(/,? ?from the cache$/, '');
  const suffix = /^last (\d+) digits$/.exec(how);
  // An agent chose this contact among several with the number (remembered for everyone).
  if (identity.chosenBy) return t('matchChosenBy', plain(identity.source), plain(identity.chosenBy));
  const words =
    how === 'exact number' ? t('matchExact')
    : suffix ? t('matchSuffix', suffix[1]!)
    : how === 'as the forwarded endpoint answered' ? t('matchForwarded')
    : how;
  return t(fromCache ? 'matchedByCached' : 'matchedBy', plain(identity.source), plain(words));
}

/**
 * The notification of a ringing or answered call — what an agent needs in the two seconds before
 * answering: who (or "Unknown caller"), the company and the number, the queue or line. Plain text only.
 */
export function notificationText(call: CallView, t: Translate): { title: string; message: string; contextMessage: string } {
  const words = callerWords(t);
  const number = call.phone.withheld ? words.withheldNumber : leftToRight(plain(numberForPeople(call, words)));
  return {
    title: isolate(plain(callerTitle(call, words))),
    // The company (from the CRM) beside the number, the number never broken by the company's direction.
    message: call.identity.company ? `${isolate(plain(call.identity.company))} · ${number}` : number,
    contextMessage: isolate(plain(callerContext(call, t))),
  };
}

/** Only http and https pages are ever opened (the relay's own rule for links). */
export const isOpenableUrl = isHttpUrl;

/** A call notification's buttons, in order: Choose contact when several matched, Open in CRM when it has a page. */
export const callButtons = (call: CallView): ('choose' | 'open')[] => [
  ...(call.identity.choices?.length ? (['choose'] as const) : []),
  ...(isOpenableUrl(call.identity.url) ? (['open'] as const) : []),
];

/** A past call that can be called back: it is over and has a number that is not withheld. */
export const canCallBack = (call: CallView): boolean => call.state === 'ended' && !call.phone.withheld && Boolean(call.phone.e164 || call.phone.raw);

/**
 * The missed-call notice's buttons, in order: Call back where the relay has click-to-call, Open in
 * CRM when the call has a page. The same list names the button the agent clicked.
 */
export const missedButtons = (call: CallView, clickToCall: boolean): ('call-back' | 'open')[] => [
  ...(clickToCall && canCallBack(call) ? (['call-back'] as const) : []),
  ...(isOpenableUrl(call.identity.url) ? (['open'] as const) : []),
];

/** What a row of the popup's call list shows: plain text, the same cleaning as the notification. */
export function rowText(call: CallView, t: Translate): { title: string; company: string; number: string; via: string } {
  const { identity } = call;
  const words = callerWords(t);
  return {
    title: plain(callerTitle(call, words)),
    company: plain(identity.status === 'multiple' ? t('matchesCount', identity.total) : identity.company),
    number: plain(numberForPeople(call, words)),
    via: howMatched(identity, t),
  };
}

/** Control characters and markup are shown as text; this drops the controls (direction overrides too) and trims length. */
export function plain(text: string): string {
  // eslint-disable-next-line no-control-regex -- removing control characters is the point
  return text.replace(/[\u0000-\u001f\u007f\u202a-\u202e\u2066-\u2069]/g, '').slice(0, 120);
}

/**
 * Whether a page may be opened under the agent's site list: each line a host name
 * (`crm.example.com`) or a domain and its subdomains (`*.hubspot.com`). An empty list allows
 * every http(s) site.
 */
export function siteAllowed(url: string, sites: string[]): boolean {
  if (!isOpenableUrl(url)) return false;
  const rules = sites.map((s) => s.trim().toLowerCase()).filter(Boolean);
  if (rules.length === 0) return true;
  const host = new URL(url).hostname.toLowerCase();
  return rules.some((rule) => (rule.startsWith('*.') ? host === rule.slice(2) || host.endsWith(rule.slice(1)) : host === rule));
}
