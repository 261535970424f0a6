import type { Request } from 'express';

/** The token of `Authorization: Bearer <token>` (the agents' session, the metrics token); undefined when there is none. */
export function bearerToken(req: Request): string | undefined {
  return /^Bearer (\S+)$/.exec(req.get('authorization') ?? '')?.[1];
}
