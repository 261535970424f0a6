import type { Request } from 'express';
import type { Agent, Agents } from '../accounts/agents';
import { sha256 } from '../accounts/secrets';

/** The token of `Authorization: Bearer <token>` (the agents' session, the metrics token); undefined when there is none. */
export function bearerToken(req: Request): string | undefined {
  return /^Bearer (\S+)$/.exec(req.get('authorization') ?? '')?.[1];
}

/** The agent whose session token the request carries; undefined when none, or the session is unknown, expired or revoked. */
export async function sessionAgent(req: Request, agents: Agents): Promise<Agent | undefined> {
  const token = bearerToken(req);
  return token ? agents.session(sha256(token)) : undefined;
}
