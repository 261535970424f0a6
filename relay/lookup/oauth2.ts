import { z } from 'zod';
import { askJson, BodyError, type JsonAnswer } from '../platform/bounded-body';
import { SourceError } from './http-fetch';

/**
 * OAuth 2.0 access tokens from a refresh token (RFC 6749 §6): the grant Zoho CRM and Salesforce
 * document for server-side use. The token is fetched once, shared by every lookup of the source,
 * kept until shortly before it expires, and renewed once when the CRM answers 401 — however many
 * lookups saw the 401 at once. Lookups that need a token while one is being fetched wait for that
 * one: a burst after expiry costs one renewal. A failed renewal is kept, in words without secrets,
 * for /readyz, the console's Sources page and the log.
 */
export interface OAuth2RefreshAuth {
  type: 'oauth2-refresh';
  tokenUrl: string;
  clientId: string;
  clientSecret: string;
  refreshToken: string;
  /** The Authorization header's scheme: "Bearer" (RFC 6750), "Zoho-oauthtoken" for Zoho. */
  scheme?: string;
}

/**
 * The token endpoint's answer (RFC 6749 §5.1). `expires_in` is optional there: Salesforce's
 * refresh answer has none (its sessions end by the org's timeout), Zoho's says 3600.
 */
const tokenAnswer = z.looseObject({ access_token: z.string().min(1).max(4096), expires_in: z.coerce.number().positive().optional() });

/**
 * Renewed this long before it expires, so no lookup starts with a token about to lapse: a tenth of
 * its life, at most a minute. A fixed minute would renew a token that lives less than that for
 * every lookup; a tenth keeps nine tenths of any life in use.
 */
const EARLY_MAX_MS = 60_000;
const EARLY_SHARE = 0.1;
/** Kept this long when the answer does not say (a 401 renews it sooner). */
const DEFAULT_LIFE_MS = 15 * 60_000;
/** The token endpoint's answer, its last byte included, within these: a token answer is a few hundred bytes. */
const LIMITS = { timeoutMs: 10_000, maxBytes: 64 * 1024 };

export class OAuth2Token {
  /** The token, and when lookups stop using it and renew it instead. */
  private token: { value: string; renewAt: number } | null = null;
  private renewing: Promise<string> | null = null;
  /** The last renewal's failure, in words; "" once one succeeds. */
  problem = '';
  /** How many times a token was fetched (tests, and the console). */
  renewals = 0;

  constructor(
    private readonly auth: OAuth2RefreshAuth,
    private readonly now: () => number = Date.now,
  ) {}

  /** The Authorization header's value. */
  async header(): Promise<string> {
    return `${this.auth.scheme ?? 'Bearer'} ${await this.current()}`;
  }

  /** The header a 401 was answered to is no longer good: the next lookup renews it (once). */
  refused(header: string): void {
    if (this.token && header === `${this.auth.scheme ?? 'Bearer'} ${this.token.value}`) this.token = null;
  }

  private current(): Promise<string> {
    if (this.token && this.now() < this.token.renewAt) return Promise.resolve(this.token.value);
    this.renewing ??= this.renew().finally(() => (this.renewing = null));
    return this.renewing;
  }

  private async renew(): Promise<string> {
    this.renewals++;
    // Its life is counted from the request, not the answer: the endpoint may have issued it at once.
    const asked = this.now();
    const body = new URLSearchParams({ grant_type: 'refresh_token', refresh_token: this.auth.refreshToken, client_id: this.auth.clientId, client_secret: this.auth.clientSecret });
    const host = new URL(this.auth.tokenUrl).host;
    let res: JsonAnswer;
    try {
      res = await askJson(this.auth.tokenUrl, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' }, body: body.toString() }, LIMITS);
    } catch (err) {
      throw this.failed(err instanceof BodyError ? `the token endpoint's answer (${host}) cannot be read: ${err.message}` : `cannot reach the token endpoint (${host}): ${(err as Error).message}`);
    }
    const answer = res.json;
    const parsed = tokenAnswer.safeParse(answer);
    if (!res.ok || !parsed.success) {
      // RFC 6749 §5.2: `error` ("invalid_grant": the refresh token expired or was revoked). Zoho answers 200 with it.
      const error = typeof (answer as { error?: unknown } | null)?.error === 'string' ? String((answer as { error: string }).error).slice(0, 64) : `HTTP ${res.status}`;
      throw this.failed(error === 'invalid_grant' ? 'the refresh token is expired or revoked (invalid_grant): authorise the relay again' : `token renewal refused: ${error}`);
    }
    this.problem = '';
    const life = parsed.data.expires_in !== undefined ? parsed.data.expires_in * 1000 : DEFAULT_LIFE_MS;
    this.token = { value: parsed.data.access_token, renewAt: asked + life - Math.min(EARLY_MAX_MS, life * EARLY_SHARE) };
    return this.token.value;
  }

  private failed(problem: string): SourceError {
    this.problem = problem;
    return new SourceError(problem);
  }
}
