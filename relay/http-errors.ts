import type { ErrorRequestHandler, Response } from 'express';
import { errorBody, type ErrorCode } from '../shared/errors';
import type { Logger } from './log';

/** body-parser's error types, in words a sender can act on. */
const BODY_ERRORS: Record<string, { code: ErrorCode; message: string }> = {
  'entity.parse.failed': { code: 'MALFORMED_JSON', message: 'the body is not valid JSON' },
  'entity.too.large': { code: 'TOO_LARGE', message: 'the body is larger than 64 KB' },
  'parameters.too.many': { code: 'TOO_LARGE', message: 'the body has too many fields' },
  'encoding.unsupported': { code: 'UNSUPPORTED_MEDIA_TYPE', message: 'unsupported content encoding' },
  'charset.unsupported': { code: 'UNSUPPORTED_MEDIA_TYPE', message: 'unsupported charset' },
  'request.aborted': { code: 'INVALID_FIELDS', message: 'the request was aborted' },
  'request.size.invalid': { code: 'INVALID_FIELDS', message: 'the body is shorter or longer than its Content-Length' },
};

/** Turns errors from reading a request into a 4xx JSON answer; only our own faults become a 500. */
export function bodyErrorHandler(log: Logger): ErrorRequestHandler {
  return (err: { type?: string; status?: number; message?: string; limit?: number }, _req, res, _next) => {
    const known = err.type ? BODY_ERRORS[err.type] : undefined;
    if (known) {
      // Each route has its own limit (64 KB for Voicenter, more for a console upload): say which.
      const message = err.type === 'entity.too.large' && err.limit ? `the body is larger than ${size(err.limit)}` : known.message;
      res.status(err.status && err.status < 500 ? err.status : 400).json(errorBody(known.code, message));
      return;
    }
    if (err.status && err.status >= 400 && err.status < 500) {
      res.status(err.status).json(errorBody('INVALID_FIELDS', err.message ?? 'bad request'));
      return;
    }
    log.error({ err: err.message }, 'request failed');
    res.status(500).json({ STATUS: 'ERROR', ERROR: 'internal error' });
  };
}

const size = (bytes: number) => (bytes >= 1024 * 1024 ? `${Math.round(bytes / 1024 / 1024)} MB` : `${Math.round(bytes / 1024)} KB`);

/** 429 with Retry-After: a sign-in refused until `retryAfterMs` has passed. */
export function rateLimited(res: Response, retryAfterMs: number, what = 'too many attempts'): void {
  const seconds = Math.ceil(retryAfterMs / 1000);
  res.status(429).set('Retry-After', String(seconds)).json(errorBody('RATE_LIMITED', `${what}: try again in ${seconds} s`));
}
