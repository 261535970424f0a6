/**
 * What every console page uses: building elements (text only ever goes in as text, never as HTML),
 * calling the console API, tables and messages.
 */
import { CONSOLE_HEADER } from '../../shared/console';

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
  const res = await fetch(`/console/api${path}`, { method: init.method ?? 'GET', headers, body, credentials: 'same-origin' });
  if (res.status === 204) return undefined as T;
  const data = (await res.json().catch(() => ({}))) as T & { ERROR?: string };
  if (!res.ok) {
    if (res.status === 401 && path !== '/session') signedOut();
    throw new ApiError(res.status, data.ERROR ?? `HTTP ${res.status}`);
  }
  return data;
}

export const time = (ms: number | null) => (ms === null ? '' : new Date(ms).toLocaleString());
export const clock = (ms: number) => new Date(ms).toLocaleTimeString();

export function message(text: string, error = false): HTMLElement {
  return h('p', { class: error ? 'message error' : 'message', role: error ? 'alert' : 'status' }, text);
}

export function table(caption: string, headers: string[], rows: Node[][], empty: string): HTMLElement {
  if (rows.length === 0) return h('p', { class: 'empty' }, empty);
  return h(
    'table',
    {},
    h('caption', { class: 'visually-hidden' }, caption),
    h('thead', {}, h('tr', {}, ...headers.map((t) => h('th', { scope: 'col' }, t)))),
    h('tbody', {}, ...rows.map((cells) => h('tr', {}, ...cells.map((c) => h('td', {}, c))))),
  );
}

export const text = (s: string) => document.createTextNode(s);

