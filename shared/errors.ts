/**
 * Stable error codes, used in JSON error bodies ({"STATUS":"ERROR","CODE":…}) with their HTTP
 * status, and as WebSocket close codes. A code never changes meaning once released, and no two
 * codes share a close code (a test holds both to that).
 */
export const ERRORS = {
  /** The body is not valid JSON. */
  MALFORMED_JSON: { http: 400, close: 4406 },
  /** The request's fields are of the wrong type or missing (e.g. no ivrid, a list where text belongs), or its path cannot be read. */
  INVALID_FIELDS: { http: 400, close: 4422 },
  /** The body is larger than the relay accepts (64 KB for Voicenter's requests). */
  TOO_LARGE: { http: 413, close: 1009 },
  /** The content type is not one of query string, form or JSON. */
  UNSUPPORTED_MEDIA_TYPE: { http: 415, close: 4415 },
  /** Wrong pop-up token, unknown path. Nothing is delivered. */
  NOT_FOUND: { http: 404, close: 4404 },
  /** The path exists, but not for this method (the answer's Allow header says which). */
  METHOD_NOT_ALLOWED: { http: 405, close: 4405 },
  /** Wrong extension user or password, or a session that is unknown, expired or revoked. */
  UNAUTHORIZED: { http: 401, close: 4401 },
  /** The request came from an address not allowed for it (RELAY_POPUP_ALLOW_IPS, RELAY_METRICS_ALLOW_IPS). */
  FORBIDDEN_ADDRESS: { http: 403, close: 4413 },
  /** Too many sign-in attempts for this account from this address: wait for Retry-After seconds. */
  RATE_LIMITED: { http: 429, close: 4430 },
  /** The agent was removed or its password changed; sign in again. */
  SESSION_ENDED: { http: 401, close: 4001 },
  /** The right password, but a supervisor disabled the account: only they can enable it again. */
  ACCOUNT_DISABLED: { http: 403, close: 4003 },
  /** Too many WebSocket messages or resumes on one connection, too many connections for one agent, too many live views. */
  TOO_MANY: { http: 429, close: 4429 },
  /**
   * A pop-up request or Real-Time event for a call already at the most stations or events the relay
   * takes for one call (CALL_LIMITS, relay/calls/call-state.ts): it changes nothing. The call's
   * other requests are answered as usual.
   */
  CALL_TOO_LARGE: { http: 422, close: 4423 },
  /** The thing to create exists already (an agent), or the change is not the relay's to make. */
  CONFLICT: { http: 409, close: 4409 },
  /** The change would remove the console's last administrator (nobody could sign in): add another first. */
  LAST_ADMIN: { http: 409, close: 4410 },
  /** A console request from another site, or without the console's own header (CSRF). */
  FORBIDDEN: { http: 403, close: 4403 },
  /** A WebSocket message that is not one of the declared client messages. */
  INVALID_MESSAGE: { http: 400, close: 4400 },
  /**
   * The extension did not read what the relay sent (more than the relay keeps unsent per
   * connection): the connection is closed with this code and then cut.
   */
  SLOW_CONSUMER: { http: 503, close: 4408 },
  /** The relay cannot serve this now (the console is not built, the server is too busy): try later. */
  UNAVAILABLE: { http: 503, close: 1013 },
  /** A fault of the relay's own, never of the input; the log has the details under the request id. */
  INTERNAL: { http: 500, close: 1011 },
} as const;

export type ErrorCode = keyof typeof ERRORS;

export interface ErrorBody {
  STATUS: 'ERROR';
  CODE: ErrorCode;
  ERROR: string;
}

export function errorBody(code: ErrorCode, message: string): ErrorBody {
  return { STATUS: 'ERROR', CODE: code, ERROR: message };
}
