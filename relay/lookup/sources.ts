import { JSONPath } from 'jsonpath-plus';
import type { CountryCode } from 'libphonenumber-js';
import type { CallEvent } from '../../shared/call-event';
import { MAX_CHOICES, type Choice } from '../../shared/messages';
import type { Phone } from '../../shared/phone';
import type { Directory, DirectoryMatch } from './directory';
import { fetchJson, SourceError, type FetchedJson, type FetchInit } from './http-fetch';
import { OAuth2Token } from './oauth2';
import { MAX_NUMBERS, recordsOf, type RecordsRead } from './records';
import { RequestLimit } from './request-limit';
import type { FieldPath, ForwardSpec, HttpSourceSpec, SourceConfig } from './source-spec';
import { fill, phoneValues } from './template';
import { verifyNumbers, type Candidate } from './verify';

/** What a source is asked: the caller's number in every form, and the call when there is one. */
export interface LookupInput {
  phone: Phone;
  event?: CallEvent;
}

/** A contact a source found. */
export interface SourceMatch {
  name: string;
  company: string;
  url: string;
  id: string;
  /** How many records matched (the best one is named). */
  total: number;
  /** How it matched, in words: "exact number", "last 9 digits". */
  how: string;
  /** Several matched: each of them, to choose from (up to MAX_CHOICES). */
  choices?: Omit<Choice, 'source'>[];
}

/**
 * `candidates`: every record read from the source's answer, kept or dropped (sources that verify
 * numbers); `records`: only when the answer held more than were read.
 */
export type SourceOutcome =
  | { kind: 'matched'; match: SourceMatch; candidates?: Candidate[]; records?: RecordsRead }
  | { kind: 'none'; candidates?: Candidate[]; records?: RecordsRead };

export interface Source {
  name: string;
  kind: string;
  /** Answers at once from this machine (the directory): asked before the cache and remote sources. */
  local: boolean;
  /** Longest a lookup may take before the chain moves on. */
  timeoutMs: number;
  /**
   * Its lookup is settled within the turn it is asked in (the directory on an SQLite file): the
   * chain sets it no deadline timer, so a caller it knows is in the call's first message.
   */
  settlesInTurn?: boolean;
  lookup(input: LookupInput, signal: AbortSignal): Promise<SourceOutcome>;
  /** What is wrong with the source's own set-up now (a token that cannot be renewed), in words; "" when nothing. */
  problem?(): string;
}

/** The built-in directory: exact E.164, else the last N digits. Settled within the turn on the embedded file. */
export function directorySource(name: string, directory: Directory, urls: { contact: string; search: string }, suffixDigits: number): Source {
  const outcome = (phone: Phone, match: DirectoryMatch): SourceOutcome => {
    const best = match.contacts[0];
    if (!best) return { kind: 'none' };
    const total = match.contacts.length;
    const values = phoneValues(phone, suffixDigits, best.id);
    return {
      kind: 'matched',
      match: {
        name: best.name,
        company: best.company,
        url: total > 1 ? fill(urls.search, values) : best.url || fill(urls.contact, values),
        id: total > 1 ? '' : best.id,
        total,
        how: `${match.how === 'exact' ? 'exact number' : `last ${suffixDigits} digits`}${match.fromCopy ? ", from the relay's copy" : ''}`,
        ...(total > 1
          ? { choices: match.contacts.slice(0, MAX_CHOICES).map((c) => ({ name: c.name, company: c.company, id: c.id, url: c.url || fill(urls.contact, phoneValues(phone, suffixDigits, c.id)) })) }
          : {}),
      },
    };
  };
  return {
    name,
    kind: 'directory',
    local: true,
    timeoutMs: 1_000,
    settlesInTurn: directory.settlesInTurn,
    async lookup({ phone }) {
      return outcome(phone, await directory.lookup(phone));
    },
  };
}

function pick(json: unknown, path: FieldPath | undefined): string {
  if (path === undefined) return '';
  const paths = Array.isArray(path) ? path : [path];
  return paths
    .map((p) => {
      const found = JSONPath<unknown[]>({ path: p, json: json as object, wrap: true });
      const v = found[0];
      return typeof v === 'string' || typeof v === 'number' ? String(v).trim() : '';
    })
    .filter(Boolean)
    .join(' ');
}

/** Every string in a JSON template filled (values inserted as they are: JSON.stringify escapes them). */
function fillJson(value: unknown, values: Record<string, string>): unknown {
  if (typeof value === 'string') return fill(value, values, (v) => v);
  if (Array.isArray(value)) return value.map((v) => fillJson(v, values));
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, fillJson(v, values)]));
  }
  return value;
}

/** Text a header can carry: visible ASCII only (a caller's "number" may hold any letter, or a line break). */
const headerValue = (v: string) => v.replace(/[^\x20-\x7e]/g, '');

/**
 * The request for one lookup. A request that cannot be built from the caller's input is that
 * input's fault, not the source's: it fails with `blamesRequest`, which the circuit breaker ignores.
 */
function buildRequest(spec: HttpSourceSpec, values: Record<string, string>): { url: string; init: FetchInit } {
  try {
    const url = new URL(fill(spec.url, values));
    for (const [k, v] of Object.entries(spec.query)) url.searchParams.set(k, fill(v, values, (x) => x));
    if (spec.auth.type === 'query') url.searchParams.set(spec.auth.param, spec.auth.value);
    const headers: Record<string, string> = { accept: 'application/json' };
    for (const [k, v] of Object.entries(spec.headers)) headers[k.toLowerCase()] = fill(v, values, headerValue);
    const { auth } = spec;
    if (auth.type === 'basic') headers.authorization = `Basic ${Buffer.from(`${auth.username}:${auth.password}`).toString('base64')}`;
    if (auth.type === 'bearer') headers.authorization = `Bearer ${auth.token}`;
    if (auth.type === 'header') headers[auth.header.toLowerCase()] = auth.value;
    let body: string | undefined;
    if (spec.body !== undefined) {
      body = JSON.stringify(fillJson(spec.body, values));
      headers['content-type'] = 'application/json';
    }
    new Headers(headers); // throws here, not inside fetch, on a value no header can carry
    return { url: url.toString(), init: { method: spec.method, headers, body, redirects: spec.redirects } };
  } catch {
    // Not the error's text: it may quote a header value, and so a credential.
    throw new SourceError('cannot build the request for this number', true);
  }
}

/** Every string or number a path finds (a record's numbers: one field, a list, several fields). */
function pickAll(json: unknown, path: FieldPath): string[] {
  const paths = Array.isArray(path) ? path : [path];
  return paths
    .flatMap((p) => JSONPath<unknown[]>({ path: p, json: json as object, wrap: true }).flat())
    .filter((v): v is string | number => typeof v === 'string' || typeof v === 'number')
    .map((v) => String(v).trim())
    .filter(Boolean);
}

/** The records of an answer as candidates: with `response.phone`, each checked against the caller's number. */
function candidatesOf(spec: HttpSourceSpec, items: unknown[], phone: Phone, country: CountryCode): (Candidate & { record: unknown; how: string })[] {
  const how = spec.match === 'suffix' ? `last ${spec.suffixDigits} digits` : 'exact number';
  return items
    .filter((item) => item !== null && typeof item === 'object')
    .map((record) => {
      const base = { record, name: pick(record, spec.response.name), company: pick(record, spec.response.company), id: pick(record, spec.response.id) };
      if (base.name === '') return { ...base, numbers: [], kept: false, why: 'the record has no name', how };
      // Without `response.phone` the source's own search is trusted (no verification: README).
      if (!spec.response.phone) return { ...base, numbers: [], kept: true, why: 'not verified (no response.phone)', how };
      const numbers = pickAll(record, spec.response.phone).slice(0, MAX_NUMBERS);
      const verdict = verifyNumbers(numbers, phone, country, spec.suffixDigits);
      return { ...base, numbers, kept: verdict.kept, why: verdict.why, how: verdict.kept ? (verdict.how === 'exact' ? 'exact number' : `last ${spec.suffixDigits} digits`) : how };
    });
}

/** The company's name from its own record (`companyFrom`); "" when it has none or cannot be read (the caller is still named). */
async function companyOf(
  spec: HttpSourceSpec,
  record: unknown,
  values: Record<string, string>,
  signal: AbortSignal,
  ask: (url: string, init: FetchInit, signal: AbortSignal) => Promise<FetchedJson>,
): Promise<string> {
  const from = spec.companyFrom!;
  const companyId = pick(record, from.id);
  if (!companyId) return '';
  try {
    const { url, init } = buildRequest({ ...spec, method: 'GET', url: from.url, query: {}, body: undefined }, { ...values, companyId });
    const { json } = await ask(url, init, signal);
    return json === null ? '' : pick(json, from.name);
  } catch {
    return '';
  }
}

/** A CRM reached over its REST API, described entirely by the spec (the idea of 3CX's CRM templates). */
export function httpSource(spec: HttpSourceSpec, country: CountryCode): Source {
  const oauth = spec.auth.type === 'oauth2-refresh' ? new OAuth2Token(spec.auth) : null;
  const limit = spec.limit ? new RequestLimit(spec.limit.concurrent, spec.limit.perSecond) : null;
  /** One request, within the CRM's limits; with OAuth, a 401 renews the token and asks again, once. */
  const ask = async (url: string, init: FetchInit, signal: AbortSignal, retried = false): Promise<FetchedJson> => {
    const headers = oauth ? { ...init.headers, authorization: await oauth.header() } : init.headers;
    const release = await limit?.acquire(signal);
    try {
      return await fetchJson(url, { ...init, headers }, signal, spec.maxBytes);
    } catch (err) {
      if (!oauth || retried || !(err instanceof SourceError) || err.status !== 401) throw err;
      oauth.refused(headers.authorization!);
      release?.();
      return ask(url, init, signal, true);
    } finally {
      release?.();
    }
  };
  return {
    name: spec.name,
    kind: 'http',
    local: false,
    timeoutMs: spec.timeoutMs,
    problem: () => oauth?.problem ?? '',
    async lookup({ phone }, signal) {
      if (phone.withheld || phone.digits === '') return { kind: 'none' };
      const values = { ...spec.params, ...phoneValues(phone, spec.suffixDigits) };
      const { url, init } = buildRequest(spec, values);
      const { json } = await ask(url, init, signal);
      if (json === null) return { kind: 'none' };
      if (spec.matched) {
        const found = JSONPath<unknown[]>({ path: spec.matched.path, json: json as object, wrap: true });
        const ok = spec.matched.equals === undefined ? found.some((v) => v !== null && v !== false && v !== '' && v !== 0) : found.includes(spec.matched.equals);
        if (!ok) return { kind: 'none' };
      }
      const { items, returned } = spec.response.items ? recordsOf(json, spec.response.items) : { items: [json], returned: 1 };
      const records = returned > items.length ? { records: { returned, read: items.length } } : {};
      const all = candidatesOf(spec, items, phone, country);
      const candidates = all.map(({ record: _record, how: _how, ...c }): Candidate => c);
      const kept = all.filter((c) => c.kept);
      const best = kept[0];
      if (!best) return { kind: 'none', candidates, ...records };
      // A CRM whose record names its company only by id (Zendesk Sell's contact_id): one more request, for the best record.
      if (spec.companyFrom && !best.company) best.company = await companyOf(spec, best.record, values, signal, ask);
      // Verified: only real matches count. Unverified: the CRM's own total, as before.
      const totalText = !spec.response.phone && spec.response.total ? pick(json, spec.response.total) : '';
      const total = Math.max(1, Number(totalText) || kept.length);
      const urlOf = (c: (typeof kept)[number]) => pick(c.record, spec.response.url) || (spec.recordUrl && c.id ? fill(spec.recordUrl, { ...values, id: c.id }) : '');
      const recordUrl = urlOf(best);
      // Several real matches (each with an id): the agent may choose among them.
      const choices = kept.length > 1 && kept.every((c) => c.id) ? kept.slice(0, MAX_CHOICES).map((c) => ({ name: c.name, company: c.company, id: c.id, url: urlOf(c) })) : undefined;
      return {
        kind: 'matched',
        candidates,
        ...records,
        match: {
          name: best.name,
          company: best.company,
          url: total > 1 && spec.searchUrl ? fill(spec.searchUrl, values) : recordUrl,
          id: total > 1 ? '' : best.id,
          total,
          how: best.how,
          ...(choices ? { choices } : {}),
        },
      };
    },
  };
}

/**
 * Forwards the call to an existing Voicenter-compatible endpoint, the way Voicenter would, and
 * relays its answer: a customer keeps the integration they have and gains the extension.
 */
export function voicenterForwardSource(spec: ForwardSpec): Source {
  return {
    name: spec.name,
    kind: 'voicenter-forward',
    local: false,
    timeoutMs: spec.timeoutMs,
    async lookup({ phone, event }, signal) {
      const fields: Record<string, string> = {
        phone: phone.raw,
        ivrid: event?.ivrid ?? '',
        extenUser: event?.extenUser ?? '',
        did: event?.did ?? '',
        callerName: event?.callerName ?? '',
        [spec.format === 'query' ? 'statusCall' : 'status']: event?.status || 'Ringing',
      };
      const url = new URL(spec.url);
      const init: FetchInit = { method: 'GET', headers: { accept: 'application/json' }, redirects: spec.redirects };
      if (spec.format === 'query') for (const [k, v] of Object.entries(fields)) url.searchParams.set(k, v);
      else if (spec.format === 'form') {
        init.method = 'POST';
        init.headers['content-type'] = 'application/x-www-form-urlencoded';
        init.body = new URLSearchParams(fields).toString();
      } else {
        init.method = 'POST';
        init.headers['content-type'] = 'application/json';
        init.body = JSON.stringify(fields);
      }
      const { json } = await fetchJson(url.toString(), init, signal, spec.maxBytes);
      const answer = (json ?? {}) as Record<string, unknown>;
      if (answer.STATUS !== 'OK') throw new SourceError('answer has no STATUS "OK"');
      const text = (v: unknown) => (typeof v === 'string' || typeof v === 'number' ? String(v) : '');
      const total = Number(answer.TOTAL) || 0;
      const name = text(answer.CLIENTNAME);
      if (total === 0 && name === '') return { kind: 'none' };
      return {
        kind: 'matched',
        match: { name, company: text(answer.COMPANY), url: text(answer.URL), id: '', total: Math.max(total, 1), how: 'as the forwarded endpoint answered' },
      };
    },
  };
}

/** The configured chain, as sources. */
export function sourcesFrom(
  configs: SourceConfig[],
  directory: Directory,
  urls: { contact: string; search: string },
  suffixDigits: number,
  country: CountryCode,
): Source[] {
  return configs.map((c) => {
    if (c.kind === 'directory') return directorySource(c.name, directory, urls, suffixDigits);
    if (c.kind === 'voicenter-forward') return voicenterForwardSource({ ...c, maxBytes: 1024 * 1024 });
    return httpSource(c, country);
  });
}
