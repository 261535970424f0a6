/** Outgoing HTTP for CRM sources: a time limit, a size limit, JSON only, errors in words without secrets. */

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

/** Reads at most `limit` bytes of a response body; more is an error (a CRM never needs megabytes here). */
async function readLimited(res: Response, limit: number): Promise<string> {
  if (!res.body) return '';
  const reader = (res.body as ReadableStream<Uint8Array>).getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel();
      throw new SourceError(`answer larger than ${limit} bytes`);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
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
  if (res.status === 204) {
    await res.body?.cancel();
    return { status: 204, json: null };
  }
  if (!res.ok) {
    await res.body?.cancel();
    if (res.status === 429) throw new SourceError('HTTP 429: rate limited', false, 429, retryAfterMs(res.headers.get('retry-after')));
    throw new SourceError(`HTTP ${res.status}`, REQUEST_REFUSED.has(res.status), res.status);
  }
  const text = await readLimited(res, maxBytes);
  try {
    return { status: res.status, json: text === '' ? null : JSON.parse(text) };
  } catch {
    throw new SourceError('answer is not JSON');
  }
}

/**
 * Follows redirects by hand: only within the first URL's origin (or none), so a CRM — or whoever
 * answers in its name — cannot send the source's credential headers to another host.
 */
async function fetchFollowing(url: string, init: FetchInit, signal: AbortSignal): Promise<Response> {
  const origin = new URL(url).origin;
  let current = url;
  let { method, body, headers } = init;
  for (let hop = 0; ; hop++) {
    let res: Response;
    try {
      res = await fetch(current, { method, headers, body, signal, redirect: 'manual' });
    } catch (err) {
      if (signal.aborted) throw new SourceError('timed out');
      const cause = (err as { cause?: { code?: string; message?: string } }).cause;
      throw new SourceError(cause?.code ?? cause?.message ?? (err as Error).message);
    }
    const location = res.headers.get('location');
    if (res.status < 300 || res.status > 399 || res.status === 304 || location === null) return res;
    await res.body?.cancel();
    if ((init.redirects ?? 'same-origin') === 'none') throw new SourceError(`HTTP ${res.status}: redirects are off for this source`);
    let next: URL;
    try {
      next = new URL(location, current);
    } catch {
      throw new SourceError(`HTTP ${res.status}: redirect to an address that cannot be read`);
    }
    // The host is named (it is not secret); the path and query are not (they may be).
    if (next.origin !== origin) throw new SourceError(`HTTP ${res.status}: redirect to another site refused (${next.host})`);
    if (hop + 1 >= MAX_REDIRECTS) throw new SourceError(`more than ${MAX_REDIRECTS} redirects`);
    // As browsers do: 303, and 301/302 after a POST, go on as a GET without the body.
    if (res.status === 303 || ((res.status === 301 || res.status === 302) && method === 'POST')) {
      method = 'GET';
      body = undefined;
      headers = Object.fromEntries(Object.entries(headers).filter(([k]) => k.toLowerCase() !== 'content-type'));
    }
    current = next.toString();
  }
}
