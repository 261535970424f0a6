/**
 * What every console page uses: building elements (text only ever goes in as text, never as HTML),
 * calling the console API, tables and messages.
 */
import { CONSOLE_HEADER } from '../../shared/console';
import { dateLocale, errorWords, t } from './i18n';

let signedOut: () => void = () => undefined;
/** What to do when the API says the session is gone (the sign-in page). */
export function whenSignedOut(handler: () => void): void {
  signedOut = handler;
}

type Child = Node | string | null | undefined | false;
type Attrs = Record<string, string | boolean | ((e: Event) => void) | undefined>;

/** Creates an element: string attributes, boolean ones, `on…` listeners, then children as text or nodes. */
export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Attrs = {}, ...children: Child[]): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === false) continue;
    if (typeof v === 'function') el.addEventListener(k.slice(2), v);
    else if (v === true) el.setAttribute(k, '');
    else el.setAttribute(k, v);
  }
  for (const c of children) if (c !== null && c !== undefined && c !== false) el.append(c);
  return el;
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** Calls the console API; a 401 sends the administrator back to the sign-in page. */
export async function api<T>(path: string, init: { method?: string; json?: unknown; body?: string; type?: string } = {}): Promise<T> {
  const headers: Record<string, string> = { [CONSOLE_HEADER]: '1' };
  let body: string | undefined = init.body;
  if (init.json !== undefined) {
    headers['Content-Type'] = 'application/json';
    body = JSON.stringify(init.json);
  } else if (init.type) headers['Content-Type'] = init.type;
  let res: Response;
  try {
    res = await fetch(`/console/api${path}`, { method: init.method ?? 'GET', headers, body, credentials: 'same-origin' });
  } catch {
    // "Failed to fetch" says nothing to a supervisor.
    throw new ApiError(0, t('relayUnreachable'));
  }
  if (res.status === 204) return undefined as T;
  const data = (await res.json().catch(() => ({}))) as T & { ERROR?: string; CODE?: string };
  if (!res.ok) {
    if (res.status === 401 && path !== '/session') signedOut();
    throw new ApiError(res.status, errorWords(data.CODE, data.ERROR ?? `HTTP ${res.status}`));
  }
  return data;
}

export const time = (ms: number | null) => (ms === null ? '' : new Date(ms).toLocaleString(dateLocale()));
export const clock = (ms: number) => new Date(ms).toLocaleTimeString(dateLocale());

export function message(text: string, error = false): HTMLElement {
  return h('p', { class: error ? 'message error' : 'message', role: error ? 'alert' : 'status' }, text);
}

export function table(caption: string, headers: string[], rows: Node[][], empty: string): HTMLElement {
  if (rows.length === 0) return h('p', { class: 'empty' }, empty);
  return h(
    'table',
    {},
    h('caption', { class: 'visually-hidden' }, caption),
    h('thead', {}, h('tr', {}, ...headers.map((header) => h('th', { scope: 'col' }, header)))),
    h('tbody', {}, ...rows.map((cells) => h('tr', {}, ...cells.map((c) => h('td', {}, c))))),
  );
}

export const text = (s: string) => document.createTextNode(s);

/** An agent as the console shows one: the name, its extension user beside it in smaller type; the extension user alone while it has no name. */
export function agentLabel(name: string, extenUser: string): HTMLElement {
  if (!name) return h('span', { class: 'number' }, extenUser);
  return h('span', { class: 'agent' }, h('bdi', {}, name), ' ', h('span', { class: 'number secondary' }, extenUser));
}

/** The same in a sentence or a button's name: "Dana Cohen (KGpK4iWq)". */
export const agentText = (name: string, extenUser: string): string => (name ? `${name} (${extenUser})` : extenUser);


export interface CsvUpload<R extends { bad: { line: number; reason: string }[] }> {
  /** The section heading's id and text, and a line saying what the file holds. */
  id: string;
  title: string;
  help: string;
  /** The API path; `?dryRun=1` is added for the preview. */
  path: string;
  /** What the preview (done false) or the import (done true) did, in a sentence. */
  summary: (report: R, done: boolean) => string;
  /** Anything else to show after the import (generated passwords). */
  after?: (report: R) => Node | null;
  imported: () => Promise<void>;
}

/** A CSV upload: a preview that names each bad row by line, then the import. */
export function csvUploadSection<R extends { bad: { line: number; reason: string }[] }>(o: CsvUpload<R>): HTMLElement {
  const file = h('input', { type: 'file', name: 'csv', accept: '.csv,text/csv' });
  const out = h('div', { 'aria-live': 'polite' });
  let csv = '';
  const report = (r: R, done: boolean) => {
    const bad = r.bad.length ? table(t('badRows'), [t('colLine'), t('colProblem')], r.bad.map((b) => [text(String(b.line)), text(b.reason)]), '') : h('p', {}, t('noBadRows'));
    const next = done ? (o.after?.(r) ?? null) : h('button', { type: 'button', class: 'primary', onclick: () => send(false) }, t('import'));
    // (replaceChildren would show a null as the text "null")
    out.replaceChildren(message(o.summary(r, done)), bad, ...(next ? [next] : []));
  };
  const failed = (err: Error) => out.replaceChildren(message(err.message, true));
  const upload = async (dryRun: boolean) => {
    const r = await api<R>(`${o.path}${dryRun ? '?dryRun=1' : ''}`, { method: 'POST', body: csv, type: 'text/csv' });
    report(r, !dryRun);
    if (!dryRun) await o.imported();
  };
  /** The preview (dryRun) or the import, from a button: what fails is said in `out`. */
  const send = (dryRun: boolean): void => {
    upload(dryRun).catch(failed);
  };
  const preview = (e: Event) => {
    e.preventDefault();
    const chosen = file.files?.[0];
    if (!chosen) return void out.replaceChildren(message(t('chooseCsvFirst'), true));
    // A file that cannot be read (gone, or no longer allowed) is said like a failed upload.
    chosen.text().then((content) => {
      csv = content;
      send(true);
    }, failed);
  };
  return h(
    'section',
    { 'aria-labelledby': o.id },
    h('h3', { id: o.id }, o.title),
    h('p', {}, o.help),
    h('form', { class: 'inline', onsubmit: preview }, h('label', {}, t('csvFile'), file), h('button', { type: 'submit' }, t('preview'))),
    out,
  );
}
