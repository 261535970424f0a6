/**
 * Outgoing HTTP for CRM sources: a time limit, a size limit (the relay's one bounded reader,
 * platform/bounded-body.ts), JSON only, errors in words without secrets. On Node's own HTTP client with kept-alive connections: fetch cost ~0.3 ms more CPU per
 * request here, in every call a CRM is asked about (bench/RESULTS.md, issue 16).
 */
import http, { type IncomingMessage } from 'node:http';
import https from 'node:https';
import { BodyError, readJson } from '../platform/bounded-body';

export class SourceError extends Error {
  constructor(
    message: string,
    /** The request itself was at fault (the caller's input), not the source: the circuit breaker does not count it. */
    readonly blamesRequest = false,
    /** The CRM's HTTP status, when it answered one. */
    readonly status?: number,
    /** 429: how long the CRM asked to wait (Retry-After), in ms. */
    readonly retryAfterMs?: number,
  ) {
    super(message);
  }
}

/** Retry-After (RFC 9110 §10.2.3): seconds, or an HTTP date; a minute when absent or unreadable, at most an hour. */
export function retryAfterMs(header: string | null, now = Date.now()): number {
  const seconds = header !== null && /^\d+$/.test(header.trim()) ? Number(header) * 1000 : header ? Date.parse(header) - now : NaN;
  return Number.isFinite(seconds) && seconds >= 0 ? Math.min(seconds, 3_600_000) : 60_000;
}

/** What the CRM answers when it could not use the request (a search term it rejects): not a sign it is down. */
const REQUEST_REFUSED = new Set([400, 422]);

export interface FetchedJson {
  status: number;
  /** Parsed body; null for 204 No Content. */
  json: unknown;
}

/**
 * Connections to CRMs are kept between requests (as fetch did), and closed by the relay after 4 s
 * unused — before the servers' own idle limits (5 s for Node, 60–75 s behind most proxies), so a
 * lookup does not land on a connection the CRM is closing at that moment (as Node's default agent).
 */
const KEPT = { keepAlive: true, timeout: 4_000 };
const TRANSPORTS: Record<string, { request: typeof http.request; agent: http.Agent } | undefined> = {
  'http:': { request: http.request, agent: new http.Agent(KEPT) },
  'https:': { request: https.request, agent: new https.Agent(KEPT) },
};
/** Sent unless the source sets its own: some CRMs (and the CDNs before them) refuse a request without a User-Agent. */
const DEFAULT_HEADERS = { accept: 'application/json', 'user-agent': 'voicenter-screen-pop-relay' };

/** One request, its answer's status and headers once they arrive (the body still to read). */
function send(url: URL, method: string, headers: Record<string, string>, body: string | undefined, signal: AbortSignal): Promise<IncomingMessage> {
  const given = new Set(Object.keys(headers).map((k) => k.toLowerCase()));
  const all: Record<string, string> = { ...headers };
  for (const [k, v] of Object.entries(DEFAULT_HEADERS)) if (!given.has(k)) all[k] = v;
  if (body !== undefined && !given.has('content-length')) all['content-length'] = String(Buffer.byteLength(body));
  const transport = TRANSPORTS[url.protocol];
  if (!transport) return Promise.reject(new SourceError(`unsupported protocol ${url.protocol}`));
  const failed = (err: NodeJS.ErrnoException) => new SourceError(signal.aborted ? 'timed out' : (err.code ?? err.message));
  return new Promise((resolve, reject) => {
    try {
      const req = transport.request(url, { method, headers: all, agent: transport.agent, signal }, resolve);
      req.on('error', (err: NodeJS.ErrnoException) => reject(failed(err)));
      req.end(body);
    } catch (err) {
      // A header Node refuses to send (a line break in a value from the configuration): said, not thrown.
      reject(failed(err as NodeJS.ErrnoException));
    }
  });
}

/** Redirects a source may follow: within its own origin (scheme, host and port), or none at all. */
export type RedirectPolicy = 'same-origin' | 'none';
/** More hops than a CRM ever needs; a loop fails here instead of going on. */
const MAX_REDIRECTS = 5;

export interface FetchInit {
  method: string;
  headers: Record<string, string>;
  body?: string;
  /** Default same-origin: credentials in the headers must never reach another site. */
  redirects?: RedirectPolicy;
}

export async function fetchJson(url: string, init: FetchInit, signal: AbortSignal, maxBytes: number): Promise<FetchedJson> {
  const res = await fetchFollowing(url, init, signal);
  const status = res.statusCode ?? 0;
  if (status === 204) {
    res.resume();
    return { status: 204, json: null };
  }
  if (status < 200 || status > 299) {
    res.resume();
    if (status === 429) throw new SourceError('HTTP 429: rate limited', false, 429, retryAfterMs(headerOf(res, 'retry-after')));
    throw new SourceError(`HTTP ${status}`, REQUEST_REFUSED.has(status), status);
  }
  try {
    return { status, json: await readJson(res, maxBytes, signal) };
  } catch (err) {
    throw err instanceof BodyError ? new SourceError(err.message) : err;
  }
}

/** A response header as one string (null when absent). */
function headerOf(res: IncomingMessage, name: string): string | null {
  const value = res.headers[name];
  return value === undefined ? null : Array.isArray(value) ? value.join(', ') : value;
}

/**
 * Follows redirects by hand: only within the first URL's origin (or none), so a CRM — or whoever
 * answers in its name — cannot send the source's credential headers to another host.
 */
async function fetchFollowing(url: string, init: FetchInit, signal: AbortSignal): Promise<IncomingMessage> {
  let current = new URL(url);
  const origin = current.origin;
  let { method, body, headers } = init;
  for (let hop = 0; ; hop++) {
    const res = await send(current, method, headers, body, signal);
    const status = res.statusCode ?? 0;
    const location = headerOf(res, 'location');
    if (status < 300 || status > 399 || status === 304 || location === null) return res;
    res.resume();
    if ((init.redirects ?? 'same-origin') === 'none') throw new SourceError(`HTTP ${status}: redirects are off for this source`);
    let next: URL;
    try {
      next = new URL(location, current);
    } catch {
      throw new SourceError(`HTTP ${status}: redirect to an address that cannot be read`);
    }
    // The host is named (it is not secret); the path and query are not (they may be).
    if (next.origin !== origin) throw new SourceError(`HTTP ${status}: redirect to another site refused (${next.host})`);
    if (hop + 1 >= MAX_REDIRECTS) throw new SourceError(`more than ${MAX_REDIRECTS} redirects`);
    // As browsers do: 303, and 301/302 after a POST, go on as a GET without the body.
    if (status === 303 || ((status === 301 || status === 302) && method === 'POST')) {
      method = 'GET';
      body = undefined;
      headers = Object.fromEntries(Object.entries(headers).filter(([k]) => k.toLowerCase() !== 'content-type'));
    }
    current = next;
  }
}
