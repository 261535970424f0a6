/** Outgoing HTTP for CRM sources: a time limit, a size limit, JSON only, errors in words without secrets. */

export class SourceError extends Error {}

export interface FetchedJson {
  status: number;
  /** Parsed body; null for 204 No Content. */
  json: unknown;
}

/** Reads at most `limit` bytes of a response body; more is an error (a CRM never needs megabytes here). */
async function readLimited(res: Response, limit: number): Promise<string> {
  if (!res.body) return '';
  const reader = res.body.getReader();
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

export async function fetchJson(
  url: string,
  init: { method: string; headers: Record<string, string>; body?: string },
  signal: AbortSignal,
  maxBytes: number,
): Promise<FetchedJson> {
  let res: Response;
  try {
    // Redirects are followed (up to fetch's limit of 20: a loop fails, it does not hang).
    res = await fetch(url, { ...init, signal, redirect: 'follow' });
  } catch (err) {
    if (signal.aborted) throw new SourceError('timed out');
    const cause = (err as { cause?: { code?: string; message?: string } }).cause;
    throw new SourceError(cause?.code ?? cause?.message ?? (err as Error).message);
  }
  if (res.status === 204) {
    await res.body?.cancel();
    return { status: 204, json: null };
  }
  if (!res.ok) {
    await res.body?.cancel();
    throw new SourceError(`HTTP ${res.status}`);
  }
  const text = await readLimited(res, maxBytes);
  try {
    return { status: res.status, json: text === '' ? null : JSON.parse(text) };
  } catch {
    throw new SourceError('answer is not JSON');
  }
}
