import type { IncomingMessage } from 'node:http';
import qs from 'qs';
import type { RequestFormat } from '../../shared/call-event';

/**
 * Reading a pop-up request's fields: the body within its limit, JSON strictly (an object or a
 * list, as body-parser's strict mode), a form as body-parser reads one (qs, no nesting, at most
 * 200 fields). Errors carry body-parser's `type`, so every path answers them in the same words
 * (http/errors.ts sendBodyError).
 */
const MAX_BODY_BYTES = 64 * 1024;
const MAX_FIELDS = 200;

export class BodyError extends Error {
  constructor(
    readonly type: 'entity.too.large' | 'entity.parse.failed' | 'parameters.too.many' | 'request.aborted' | 'request.size.invalid',
    readonly limit = MAX_BODY_BYTES,
  ) {
    super(type);
  }
}

/** The body as text (UTF-8), at most `limit` bytes; a Content-Length over the limit is refused before reading. */
export function readBody(req: IncomingMessage, limit = MAX_BODY_BYTES): Promise<string> {
  const declared = req.headers['content-length'] === undefined ? undefined : Number(req.headers['content-length']);
  if (declared !== undefined && declared > limit) {
    req.resume();
    return Promise.reject(new BodyError('entity.too.large', limit));
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        req.off('data', onData);
        req.resume();
        reject(new BodyError('entity.too.large', limit));
      } else chunks.push(chunk);
    };
    req.on('data', onData);
    req.once('aborted', () => reject(new BodyError('request.aborted')));
    req.once('error', () => reject(new BodyError('request.aborted')));
    req.once('end', () => {
      if (declared !== undefined && size !== declared) reject(new BodyError('request.size.invalid'));
      else resolve(Buffer.concat(chunks, size).toString('utf8'));
    });
  });
}

/** The fields of a JSON or form body (the query string is read by the caller). */
export function parseFields(format: Exclude<RequestFormat, 'query'>, text: string): unknown {
  if (format === 'json') {
    if (text.length === 0) return {};
    const first = /\S/.exec(text)?.[0];
    if (first !== '{' && first !== '[') throw new BodyError('entity.parse.failed');
    try {
      return JSON.parse(text) as unknown;
    } catch {
      throw new BodyError('entity.parse.failed');
    }
  }
  let count = 1;
  for (let at = text.indexOf('&'); at !== -1; at = text.indexOf('&', at + 1)) if (++count > MAX_FIELDS) throw new BodyError('parameters.too.many');
  return qs.parse(text, { allowPrototypes: true, arrayLimit: count, depth: 0, parameterLimit: MAX_FIELDS, strictDepth: true });
}
