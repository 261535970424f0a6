import { parse as parseCookies } from 'cookie';
import express, { type RequestHandler } from 'express';
import { z } from 'zod';
import { CONSOLE_SESSION_COOKIE } from '../../../shared/console';
import type { Admins } from '../../accounts/admins';
import type { Logger } from '../../platform/log';
import { sendError } from '../errors';
import { signInRoute } from '../sign-in-route';
import { adminOf } from './options';

const signInSchema = z.object({ username: z.string().min(1).max(64), password: z.string().min(1).max(256) });

/** The console's sign-in: an HttpOnly, SameSite=Strict cookie (Secure under TLS), lasting the admin session. */
export function signInHandler(admins: Admins, log: Logger): RequestHandler {
  return signInRoute({
    body: signInSchema,
    usage: 'send {"username": "...", "password": "..."}',
    check: async ({ username, password }, ip) => {
      const result = await admins.signIn(username, password, ip);
      return result.ok ? { ok: true, value: result } : result;
    },
    succeeded: (req, res, result) => {
      res.cookie(CONSOLE_SESSION_COOKIE, result.token, { httpOnly: true, sameSite: 'strict', secure: req.secure, path: '/', maxAge: admins.sessionTtlMs });
      res.status(201).json({ username: result.admin.username });
    },
    who: ({ username }) => ({ admin: username }),
    wrong: 'wrong username or password',
    log,
  });
}

/** Everything after it needs a signed-in administrator (res.locals.admin, res.locals.sessionToken). */
export function requireAdmin(admins: Admins): RequestHandler {
  return async (req, res, next) => {
    const token = parseCookies(req.headers.cookie ?? '')[CONSOLE_SESSION_COOKIE];
    const admin = token ? await admins.session(token) : undefined;
    if (!admin) return sendError(res, 'UNAUTHORIZED', 'sign in to the console');
    res.locals.admin = admin;
    res.locals.sessionToken = token;
    next();
  };
}

/** Who is signed in; signing out. */
export function sessionRoutes(admins: Admins): express.Router {
  const router = express.Router();
  router.get('/session', (_req, res) => void res.json({ username: adminOf(res).username }));
  router.delete('/session', async (_req, res) => {
    await admins.signOut(res.locals.sessionToken as string);
    res.clearCookie(CONSOLE_SESSION_COOKIE, { path: '/' }).status(204).end();
  });
  return router;
}
