import type { Request, RequestHandler, Response } from 'express';
import type { z } from 'zod';
import type { AccountDisabled } from '../accounts/agents';
import type { PasswordCheck } from '../accounts/password-check';
import type { Logger } from '../platform/log';
import { rateLimited, sendError } from './errors';

export interface SignInRoute<B, T> {
  /** The body's shape; `usage` says it in words when the body does not fit. */
  body: z.ZodType<B>;
  usage: string;
  /** Checks the password (throttled by the client's address). */
  check: (body: B, ip: string | undefined) => Promise<{ ok: true; value: T } | Exclude<PasswordCheck, { ok: true }> | AccountDisabled>;
  /** Answers a right password (a session token, a cookie). */
  succeeded: (req: Request, res: Response, value: T) => void;
  /** Who tried, for the log (never the password). */
  who: (body: B) => Record<string, string>;
  /** The answer to a wrong name or password: the same words for both. */
  wrong: string;
  log: Logger;
}

/** One sign-in, for agents (`POST /api/sessions`) and administrators (`POST /console/api/session`) alike. */
export function signInRoute<B, T>(route: SignInRoute<B, T>): RequestHandler {
  return async (req, res) => {
    const parsed = route.body.safeParse(req.body);
    if (!parsed.success) return sendError(res, 'INVALID_FIELDS', route.usage);
    const who = route.who(parsed.data);
    const result = await route.check(parsed.data, req.ip);
    if (result.ok) {
      route.log.info(who, 'signed in');
      route.succeeded(req, res, result.value);
    } else if (result.code === 'RATE_LIMITED') {
      route.log.warn({ ...who, ip: req.ip }, 'sign-in refused: too many attempts');
      rateLimited(res, result.retryAfterMs, 'too many sign-in attempts');
    } else if (result.code === 'ACCOUNT_DISABLED') {
      // (Only after the right password: a guess learns nothing of the account.)
      route.log.warn(who, 'sign-in refused: account disabled');
      sendError(res, 'ACCOUNT_DISABLED', 'this account is disabled: ask your supervisor to enable it');
    } else {
      route.log.warn(who, 'sign-in failed');
      sendError(res, 'UNAUTHORIZED', route.wrong);
    }
  };
}
