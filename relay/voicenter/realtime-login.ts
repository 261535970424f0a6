import { z } from 'zod';
import { askJson, BodyError, type JsonAnswer } from '../platform/bounded-body';

/**
 * Logging in to Voicenter's Real-Time API with the account's token, and refreshing the socket
 * token before it expires (../shared/VOICENTER-REALTIME.md §1.1). The answer's field names differ
 * between Voicenter's own clients (`URL`/`Url`): both are read.
 */
const socketSchema = z.looseObject({
  Token: z.string().min(1),
  TokenExpiry: z.union([z.string(), z.number()]).optional(),
  RefreshToken: z.string().optional(),
  RefreshTokenExpiry: z.union([z.string(), z.number()]).optional(),
  URLList: z.array(z.string()).optional(),
  Url: z.string().optional(),
  URL: z.string().optional(),
});
const answerSchema = z.looseObject({ Data: z.looseObject({ Socket: socketSchema }) });

export interface RealtimeSession {
  /** The socket token (the `token` query of the socket.io connection). */
  token: string;
  /** When the socket token expires (ms since the epoch); null when Voicenter did not say. */
  expiresAt: number | null;
  refreshToken: string;
  /** The monitor servers in order: the first is the main one (note §1.3). */
  servers: string[];
}

export class LoginError extends Error {
  constructor(
    message: string,
    /** Wrong token (401/403, or Voicenter's error body): retrying soon will not help. */
    readonly refused: boolean,
  ) {
    super(message);
  }
}

/** A login answer, its last byte included, within these: a few tokens and server addresses. */
const LIMITS = { timeoutMs: 10_000, maxBytes: 64 * 1024 };

function toSession(body: unknown): RealtimeSession {
  const parsed = answerSchema.safeParse(body);
  if (!parsed.success) throw new LoginError('Voicenter answered the login without a socket token', false);
  const socket = parsed.data.Data.Socket;
  const servers = [...new Set([...(socket.URLList ?? []), socket.Url ?? socket.URL ?? ''].filter((u) => /^https?:\/\//i.test(u)))];
  if (servers.length === 0) throw new LoginError('Voicenter answered the login without a monitor server address', false);
  const expires = socket.TokenExpiry === undefined ? NaN : new Date(socket.TokenExpiry).getTime();
  return { token: socket.Token, expiresAt: Number.isFinite(expires) ? expires : null, refreshToken: socket.RefreshToken ?? '', servers };
}

async function call(url: string, init: { method?: string; headers: Record<string, string>; body?: string }): Promise<RealtimeSession> {
  let res: JsonAnswer;
  try {
    res = await askJson(url, init, LIMITS);
  } catch (err) {
    const host = new URL(url).host;
    throw new LoginError(err instanceof BodyError ? `Voicenter's login answer (${host}) cannot be read: ${err.message}` : `cannot reach Voicenter's login (${host}): ${(err as Error).message}`, false);
  }
  const body = res.json;
  if (res.status === 401 || res.status === 403 || (body && typeof body === 'object' && 'error' in body)) {
    throw new LoginError(`Voicenter refused the Real-Time API token (HTTP ${res.status})`, true);
  }
  if (!res.ok) throw new LoginError(`Voicenter's login answered HTTP ${res.status}`, false);
  return toSession(body);
}

/** `POST <loginUrl>` with `{"token"}`. */
export function login(loginUrl: string, token: string): Promise<RealtimeSession> {
  return call(loginUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ token }) });
}

/** `GET …/monitorAPI/RefreshIdentityToken` with the refresh token as a bearer: the same answer as a login. */
export function refresh(loginUrl: string, refreshToken: string): Promise<RealtimeSession> {
  const url = new URL('../RefreshIdentityToken', loginUrl).toString();
  return call(url, { headers: { authorization: `Bearer ${refreshToken}` } });
}
