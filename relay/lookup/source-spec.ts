import type { RedirectPolicy } from './http-fetch';
import type { OAuth2RefreshAuth } from './oauth2';

/**
 * What each kind of lookup source is configured with: the types the configuration file is read
 * into (config.ts), the presets fill (presets.ts) and the sources run on (sources.ts).
 */

export type Auth =
  | { type: 'none' }
  | { type: 'basic'; username: string; password: string }
  | { type: 'bearer'; token: string }
  | { type: 'header'; header: string; value: string }
  /** A credential in the query string, where a CRM documents only that (Pipedrive's api_token). Never logged. */
  | { type: 'query'; param: string; value: string }
  /** An access token renewed from a refresh token (Zoho, Salesforce; any OAuth 2 CRM): lookup/oauth2.ts. */
  | OAuth2RefreshAuth;

/** A field taken from the answer: one JSONPath, or several joined by spaces (first and last name). */
export type FieldPath = string | string[];

export interface HttpSourceSpec {
  name: string;
  method: 'GET' | 'POST';
  /** URL template; values are URL-encoded. */
  url: string;
  query: Record<string, string>;
  headers: Record<string, string>;
  /** JSON body; every string in it is a template (values inserted as they are). */
  body?: unknown;
  auth: Auth;
  /** Parameters the templates may use besides the phone placeholders ({portalId}, {domain}…). */
  params: Record<string, string>;
  response: {
    /** JSONPath to the list of records; without it the whole answer is the one record. */
    items?: string;
    name: FieldPath;
    company?: FieldPath;
    id?: FieldPath;
    url?: FieldPath;
    /** JSONPath to the number of matches in the whole answer; else the number of items. Not used when numbers are verified. */
    total?: string;
    /**
     * The record's phone numbers (one JSONPath or several; each may find a list): every record is
     * then verified against the caller's number (lookup/verify.ts) and one that does not match is
     * dropped. Without it the CRM's own search is trusted.
     */
    phone?: FieldPath;
  };
  /** JSONPath that must hold a truthy value (or `equals`) in the answer for it to count as a match. */
  matched?: { path: string; equals?: string | number | boolean };
  /** The record page: template with {id} and the parameters. */
  recordUrl: string;
  /** Page for several matches: template with the phone placeholders. */
  searchUrl: string;
  match: 'exact' | 'suffix';
  suffixDigits: number;
  timeoutMs: number;
  maxBytes: number;
  /** Redirects followed within the source's own origin (default), or none. */
  redirects?: RedirectPolicy;
  /** Where a record names its company only by id: that record's URL (template with {companyId}) and the name in its answer. */
  companyFrom?: { id: FieldPath; url: string; name: FieldPath };
  /** The CRM's own limits: requests at once, and per second (HubSpot's search: 4 a second per token). Lookups beyond wait their turn. */
  limit?: { concurrent: number; perSecond: number };
}

export interface ForwardSpec {
  name: string;
  /** An existing Voicenter pop-up endpoint (it may carry its own token). */
  url: string;
  format: 'query' | 'form' | 'json';
  timeoutMs: number;
  maxBytes: number;
  redirects?: RedirectPolicy;
}

/** One source of the chain, as the configuration file describes it (presets already filled in). */
export type SourceConfig =
  | { kind: 'directory'; name: string }
  | { kind: 'voicenter-forward'; name: string; url: string; format: 'query' | 'form' | 'json'; timeoutMs: number; redirects: RedirectPolicy }
  | ({ kind: 'http' } & HttpSourceSpec);

