import type { CallView } from '../shared/messages';
import { callerTitle, lineOf, numberForPeople } from '../shared/caller';
import { isHttpUrl } from '../shared/url';

export { callerTitle, numberForPeople };

/**
 * Wraps text from outside (CRM names, company names) in Unicode first-strong isolates, so a
 * Hebrew or Arabic name followed by Latin digits keeps both in their own direction.
 */
export function isolate(text: string): string {
  return text === '' ? '' : `\u2068${text}\u2069`;
}

/** The line under the number: the call's state, several matches or a lookup still running, and the queue or line. */
export function callerContext(call: CallView): string {
  const { identity } = call;
  return [
    call.state === 'talking' ? 'Talking' : call.state === 'hold' ? 'On hold' : '',
    identity.status === 'multiple' ? `${identity.total} matches` : identity.status === 'pending' ? 'Looking up…' : '',
    lineOf(call),
  ]
    .filter(Boolean)
    .join(' · ');
}

export type Outcome = 'answered' | 'missed' | 'outgoing' | 'answered elsewhere' | 'in progress';

/** How a call ended for this agent, in the words of the call list. */
export function outcome(call: CallView): Outcome {
  if (call.direction === 'outgoing' || call.state === 'dialing') return 'outgoing';
  if (call.answeredBy === 'me') return 'answered';
  if (call.answeredBy === 'other') return 'answered elsewhere';
  return call.state === 'ended' ? 'missed' : 'in progress';
}

/**
 * The notification of a ringing or answered call — what an agent needs in the two seconds before
 * answering: who (or "Unknown caller"), the company and the number, the queue or line. Plain text only.
 */
export function notificationText(call: CallView): { title: string; message: string; contextMessage: string } {
  return {
    title: isolate(plain(callerTitle(call))),
    // The company (from the CRM) beside the number, the number never broken by the company's direction.
    message: call.identity.company ? `${isolate(plain(call.identity.company))} · ${numberForPeople(call)}` : numberForPeople(call),
    contextMessage: isolate(plain(callerContext(call))),
  };
}

/** Only http and https pages are ever opened (the relay's own rule for links). */
export const isOpenableUrl = isHttpUrl;

/** What a row of the popup's call list shows: plain text, the same cleaning as the notification. */
export function rowText(call: CallView): { title: string; company: string; number: string; via: string } {
  const { identity } = call;
  return {
    title: plain(callerTitle(call)),
    company: plain(identity.status === 'multiple' ? `${identity.total} matches` : identity.company),
    number: plain(numberForPeople(call)),
    via: identity.source ? plain(`via ${identity.source} · ${identity.how}`) : '',
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
