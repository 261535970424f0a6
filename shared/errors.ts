/**
 * Stable error codes, used in JSON error bodies ({"STATUS":"ERROR","CODE":…}) and as
 * WebSocket close codes (4xxx). A code never changes meaning once released.
 */
export const ERRORS = {
  /** The body is not valid JSON. */
  MALFORMED_JSON: { http: 400, close: 4400 },
  /** The request's fields are of the wrong type or missing (e.g. no ivrid, a list where text belongs). */
  INVALID_FIELDS: { http: 400, close: 4400 },
  /** The body is larger than the relay accepts (64 KB). */
  TOO_LARGE: { http: 413, close: 1009 },
  /** The content type is not one of query string, form or JSON. */
  UNSUPPORTED_MEDIA_TYPE: { http: 415, close: 4415 },
  /** Wrong pop-up token, unknown path. Nothing is delivered. */
  NOT_FOUND: { http: 404, close: 4404 },
  /** Wrong extension user or password, or a session that is unknown, expired or revoked. */
  UNAUTHORIZED: { http: 401, close: 4401 },
  /** The pop-up request came from an address outside RELAY_POPUP_ALLOW_IPS. */
  FORBIDDEN_ADDRESS: { http: 403, close: 4403 },
  /** Too many sign-in attempts for this account: wait for Retry-After seconds. */
  RATE_LIMITED: { http: 429, close: 4429 },
  /** The agent was removed or its password changed; sign in again. */
  SESSION_ENDED: { http: 401, close: 4001 },
  /** Too many WebSocket messages on one connection, or too many connections for one agent. */
  TOO_MANY: { http: 429, close: 4429 },
  /** The thing to create exists already (an agent), or the change is not the relay's to make. */
  CONFLICT: { http: 409, close: 4409 },
  /** A console request from another site, or without the console's own header (CSRF). */
  FORBIDDEN: { http: 403, close: 4403 },
  /** A WebSocket message that is not one of the declared client messages. */
  INVALID_MESSAGE: { http: 400, close: 4400 },
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
