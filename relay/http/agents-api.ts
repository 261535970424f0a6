import cors from 'cors';
import express from 'express';
import { signInRequestSchema, type SignInResponse } from '../../shared/messages';
import type { Agents } from '../accounts/agents';
import { errorHandler, sendError } from './errors';
import { bearerToken, sessionAgent } from './bearer';
import { signInRoute } from './sign-in-route';
import type { Logger } from '../platform/log';
import { sha256 } from '../accounts/secrets';

export interface ApiOptions {
  agents: Agents;
  /** Origins allowed to sign in from a browser: this project's extension. */
  allowedOrigins: string[];
  /** Called after a sign-out so the agent's sockets close at once. */
  onSessionsChanged: () => void;
  /** `POST /api/calls`: click-to-call (http/click-to-call.ts). */
  clickToCall: express.RequestHandler;
  /** `POST /api/choices`: the contact an agent chose among several matches (http/contact-choice.ts). */
  chooseContact: express.RequestHandler;
  log: Logger;
}

/** The agents' API: sign in (extension user + password → session token), sign out, click-to-call, and choosing among several matching contacts. */
export function apiRouter({ agents, allowedOrigins, onSessionsChanged, clickToCall, chooseContact, log }: ApiOptions): express.Router {
  const router = express.Router();
  router.use(
    cors({ origin: allowedOrigins, methods: ['GET', 'POST', 'DELETE'], allowedHeaders: ['Content-Type', 'Authorization'] }),
    express.json({ limit: '4kb' }),
  );

  router.post(
    '/sessions',
    signInRoute({
      body: signInRequestSchema,
      usage: 'send {"extenUser": "...", "password": "..."}',
      check: async ({ extenUser, password }, ip) => {
        const result = await agents.signIn(extenUser, password, ip);
        return result.ok ? { ok: true, value: result } : result;
      },
      succeeded: (_req, res, result) => {
        const body: SignInResponse = { token: result.token, expiresAt: result.expiresAt, agent: { extenUser: result.agent.extenUser, name: result.agent.name } };
        res.status(201).json(body);
      },
      who: ({ extenUser }) => ({ agent: extenUser }),
      wrong: 'wrong extension user or password',
      log,
    }),
  );

  // Whether a session still holds: the extension asks after the WebSocket handshake was refused
  // (a browser sees only "1006"), to tell "signed out" from "relay unreachable".
  router.get('/sessions/current', async (req, res) => {
    const agent = await sessionAgent(req, agents);
    if (!agent) return sendError(res, 'UNAUTHORIZED', 'this session is unknown, expired or revoked: sign in again');
    res.set('Cache-Control', 'no-store').json({ agent: { extenUser: agent.extenUser, name: agent.name } });
  });

  router.delete('/sessions/current', async (req, res) => {
    const token = bearerToken(req);
    if (!token) {
      sendError(res, 'UNAUTHORIZED', 'send Authorization: Bearer <session token>');
      return;
    }
    await agents.signOut(sha256(token));
    onSessionsChanged();
    res.status(204).end();
  });

  router.post('/calls', clickToCall);
  router.post('/choices', chooseContact);

  router.use(errorHandler(log));
  return router;
}
