import type { Identity } from '../shared/messages';
import type { Phone } from '../shared/phone';
import type { Directory, DirectoryMatch } from './directory';
import { fill, phoneValues } from './template';

/** What Voicenter expects back from the pop-up URL (voicenter-popup-api.txt, "Client Response"). */
export interface VoicenterAnswer {
  STATUS: 'OK';
  URL: string;
  CLIENTNAME: string;
  TOTAL: number;
  COMPANY: string;
}

export interface UrlTemplates {
  /** For a matched contact without its own url: {id} {phone} {e164} {local}. */
  contact: string;
  /** For unknown callers and several matches. */
  search: string;
}

/** Something that finds who is calling: at once, or later (a promise) when it must ask a slow source. */
export type Identify = (phone: Phone) => Identity | Promise<Identity>;

export const PENDING: Identity = Object.freeze({
  status: 'pending', name: '', company: '', url: '', total: 0, id: '', source: '', how: '',
});

/** Fills a URL template; every value is URL-encoded. An empty template gives "". */
export function fillTemplate(template: string, phone: Phone, id = ''): string {
  return template === '' ? '' : fill(template, phoneValues(phone, 9, id));
}

/** Turns a directory match into the identity an agent and Voicenter see. */
export function identityFromMatch(match: DirectoryMatch, phone: Phone, urls: UrlTemplates, suffixDigits: number): Identity {
  const best = match.contacts[0];
  const how = match.how === 'exact' ? 'exact number' : match.how === 'suffix' ? `last ${suffixDigits} digits` : '';
  if (!best) {
    return { ...PENDING, status: 'unknown', url: phone.withheld ? '' : fillTemplate(urls.search, phone) };
  }
  const several = match.contacts.length > 1;
  return {
    status: several ? 'multiple' : 'found',
    name: best.name,
    company: best.company,
    url: several ? fillTemplate(urls.search, phone) : best.url || fillTemplate(urls.contact, phone, best.id),
    total: match.contacts.length,
    id: several ? '' : best.id,
    source: 'directory',
    how,
  };
}

/** The default source: the built-in directory, answering at once. */
export function directoryIdentify(directory: Directory, urls: UrlTemplates, suffixDigits: number): Identify {
  return (phone) => identityFromMatch(directory.lookup(phone), phone, urls, suffixDigits);
}

export function voicenterAnswer(identity: Identity): VoicenterAnswer {
  return {
    STATUS: 'OK',
    URL: identity.url,
    CLIENTNAME: identity.name,
    TOTAL: identity.total,
    COMPANY: identity.company,
  };
}
