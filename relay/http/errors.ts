import type { ServerResponse } from 'node:http';
import type { ErrorRequestHandler } from 'express';
import { ERRORS, errorBody, type ErrorCode } from '../../shared/errors';
import type { Logger } from '../platform/log';

/**
 * The one way the relay answers an error over HTTP: the code's status from the error table and
 * `{"STATUS":"ERROR","CODE":…,"ERROR":…}`. Never a stack trace, a path or a version.
 */
export function sendError(res: ServerResponse, code: ErrorCode, message: string, headers: Record<string, string> = {}): void {
  for (const [name, value] of Object.entries(headers)) res.setHeader(name, value);
  sendJson(res, ERRORS[code].http, errorBody(code, message));
}

/** A JSON answer, on Express's response or Node's own (the pop-up endpoint's lean path). */
export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.statusCode = status;
  res.setHeader('Content-Type', 'application/json; charset=utf-8');
  res.setHeader('Content-Length', Buffer.byteLength(text));
  res.end(text);
}

/** A request whose path or fields cannot be decoded, in words that never quote it (it may hold the pop-up token). */
const UNREADABLE_REQUEST = 'the request cannot be read (its path or fields are malformed)';

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

/** Answers a body-reading error (body-parser's, or http/popup-body.ts's) in words; false when `type` is not one. */
/** The CODE a body error is answered with; undefined for one this table does not know. */
export const bodyErrorCode = (type: string): ErrorCode | undefined => BODY_ERRORS[type]?.code;

export function sendBodyError(res: ServerResponse, type: string, limit?: number): boolean {
  const known = BODY_ERRORS[type];
  if (!known) return false;
  // Each route has its own limit (64 KB for Voicenter, more for a console upload): say which.
  sendError(res, known.code, type === 'entity.too.large' && limit ? `the body is larger than ${size(limit)}` : known.message);
  return true;
}

interface HttpishError {
  type?: string;
  status?: number;
  statusCode?: number;
  message?: string;
  limit?: number;
}

/**
 * The last handler of the app: every error becomes a JSON answer. Errors from reading a request
 * (a body, a path that does not decode) are the sender's: a 4xx with a reason. Anything else is
 * the relay's own fault: a 500 with the INTERNAL code, its details only in the log.
 */
export function errorHandler(log: Logger): ErrorRequestHandler {
  return (err: HttpishError, _req, res, _next) => {
    const requestLog = (res.log as Logger | undefined) ?? log;
    if (res.headersSent) {
      requestLog.warn({ err: err.message }, 'request failed after its answer began');
      res.destroy();
      return;
    }
    if (err.type && sendBodyError(res, err.type, err.limit)) return;
    const status = err.status ?? err.statusCode;
    if (err instanceof URIError || (status !== undefined && status >= 400 && status < 500)) {
      // Express's own 4xx (a path that does not decode: /voicenter/%). Its message quotes the
      // path, which may hold the pop-up token: say it in our words instead.
      return sendError(res, 'INVALID_FIELDS', UNREADABLE_REQUEST);
    }
    requestLog.error({ err: err.message }, 'request failed');
    sendError(res, 'INTERNAL', 'internal error');
  };
}

const size = (bytes: number) => (bytes >= 1024 * 1024 ? `${Math.round(bytes / 1024 / 1024)} MB` : `${Math.round(bytes / 1024)} KB`);

/** 429 with Retry-After: refused until `retryAfterMs` has passed. */
export function rateLimited(res: ServerResponse, retryAfterMs: number, what = 'too many attempts', code: 'RATE_LIMITED' | 'TOO_MANY' = 'RATE_LIMITED'): void {
  const seconds = Math.max(1, Math.ceil(retryAfterMs / 1000));
  sendError(res, code, `${what}: try again in ${seconds} s`, { 'Retry-After': String(seconds) });
}
