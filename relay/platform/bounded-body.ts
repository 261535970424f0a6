/**
 * Every answer the relay reads from another system — a CRM, a token endpoint, Voicenter's APIs —
 * is read here, within a size and a time: a body that goes on (endless, or larger than any real
 * answer) or trickles is cut off and its connection closed, never read past the cap and the chunk
 * that crossed it. Without it a server answering for ever grows the relay until V8 gives up: a
 * fetch's `res.json()` reads without bound, and its timeout did not stop it (bench/big-answers).
 */
import { Readable } from 'node:stream';
import type { ReadableStream as NodeReadableStream } from 'node:stream/web';

/** The body could not be read within the limits, or was not what was asked for; the message says why in words. */
export class BodyError extends Error {}

/** An answer's body as it arrives: Node's IncomingMessage, or fetch's `res.body` (null when it has none). */
export type Body = Readable | ReadableStream<Uint8Array> | null;

/** Reads at most `maxBytes` of a body before `signal` ends (the exchange's deadline, or the caller giving up). */
export async function readBody(body: Body, maxBytes: number, signal: AbortSignal): Promise<string> {
  if (body === null) return '';
  const stream = body instanceof Readable ? body : Readable.fromWeb(body as NodeReadableStream<Uint8Array>);
  // The deadline ends the read itself: whichever client sent the request, a trickling body stops here.
  const stop = () => stream.destroy(new BodyError('timed out'));
  if (signal.aborted) stop();
  else signal.addEventListener('abort', stop, { once: true });
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    for await (const chunk of stream as AsyncIterable<Uint8Array>) {
      size += chunk.byteLength;
      if (size > maxBytes) throw new BodyError(`answer larger than ${maxBytes} bytes`);
      chunks.push(chunk);
    }
    // A stream ended by the deadline may end as if complete (fetch's, once wrapped): never half an answer.
    if (signal.aborted) throw new BodyError('timed out');
  } catch (err) {
    stream.destroy();
    if (err instanceof BodyError) throw err;
    throw new BodyError(signal.aborted ? 'timed out' : `answer cut off: ${(err as Error).message}`);
  } finally {
    signal.removeEventListener('abort', stop);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** A body read as JSON within the limits: null when it is empty. */
export async function readJson(body: Body, maxBytes: number, signal: AbortSignal): Promise<unknown> {
  const text = await readBody(body, maxBytes, signal);
  if (text === '') return null;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new BodyError('answer is not JSON');
  }
}

/** The request could not be sent or answered (no connection, a refused certificate, the deadline before the answer began). */
export class ReachError extends Error {}

export interface JsonAnswer {
  status: number;
  ok: boolean;
  /** The body as JSON; null when it is empty or not JSON (the status then says what happened). */
  json: unknown;
}

export interface AnswerLimits {
  /** The most the answer's body may hold. */
  maxBytes: number;
  /** The whole exchange, the body's last byte included. */
  timeoutMs: number;
}

/**
 * One request on fetch, without following redirects (the APIs asked this way never redirect, and a
 * redirect could carry their credentials elsewhere), its answer read as JSON within `limits`.
 * Fails with ReachError when no answer came, BodyError when its body broke the limits.
 */
export async function askJson(url: string, init: { method?: string; headers?: Record<string, string>; body?: string }, limits: AnswerLimits): Promise<JsonAnswer> {
  const signal = AbortSignal.timeout(limits.timeoutMs);
  let res: Response;
  try {
    res = await fetch(url, { ...init, redirect: 'error', signal });
  } catch (err) {
    throw new ReachError(signal.aborted ? 'timed out' : ((err as { cause?: { code?: string } }).cause?.code ?? (err as Error).message));
  }
  const text = await readBody(res.body, limits.maxBytes, signal);
  let json: unknown = null;
  try {
    json = text === '' ? null : (JSON.parse(text) as unknown);
  } catch {
    // Left to the status and the caller's schema to name: an error page, a proxy's HTML.
  }
  return { status: res.status, ok: res.ok, json };
}
