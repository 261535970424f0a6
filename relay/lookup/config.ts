import { z } from 'zod';
import { ConfigError, readConfigFile, secretFromEnv as secret } from '../platform/config';
import { PRESETS } from './presets';
import type { RedirectPolicy } from './http-fetch';
import type { HttpSourceSpec, SourceConfig } from './source-spec';
import { PHONE_PLACEHOLDERS, placeholders } from './template';

/**
 * The caller-lookup configuration file (RELAY_CONFIG, JSON or YAML): the chain of sources in
 * priority order, the time budget, the cache and the circuit breaker. Secrets are never written
 * in the file: a secret field names an environment variable, `${HUBSPOT_TOKEN}`, read at start.
 */

/** Whether a URL carries a user name or password (a template whose host is a placeholder does not parse: left to the lookup). */
function carriesCredentials(url: string): boolean {
  try {
    const parsed = new URL(url);
    return parsed.username !== '' || parsed.password !== '';
  } catch {
    return false;
  }
}

const httpUrl = z
  .string()
  .refine((u) => /^https?:\/\/[^\s]+$/i.test(u), 'must be an http:// or https:// URL')
  .refine((u) => !carriesCredentials(u), 'must not carry a user name or password: use auth: { type: basic, username, password }');
const timeoutMs = z.number().int().min(50).max(30_000).default(2_000);
const fieldPath = z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]);
const name = z.string().trim().min(1).max(60);
/** Redirects: followed within the source's own origin only (default), or not at all. Never to another site. */
const redirects = z.enum(['same-origin', 'none']).default('same-origin');

/** `auth: {type: oauth2-refresh, …}`: the refresh token and client secret from the environment, like every secret. */
export function oauth2Schema(env: NodeJS.ProcessEnv) {
  return z.strictObject({
    type: z.literal('oauth2-refresh'),
    tokenUrl: httpUrl,
    clientId: z.string().min(1),
    clientSecret: secret(env),
    refreshToken: secret(env),
    scheme: z.string().regex(/^[\w-]+$/).optional(),
  });
}

/** A CRM's request limits (requests at once, started per second). */
const limitSchema = z.strictObject({ concurrent: z.number().int().min(1).max(100), perSecond: z.number().int().min(1).max(1000) });

/** One source of the chain, by kind: an error then names the field of the kind given, not "invalid input". */
function sourceSchema(env: NodeJS.ProcessEnv) {
  const directory = z.strictObject({ kind: z.literal('directory'), name: name.default('directory') });
  const forward = z.strictObject({
    kind: z.literal('voicenter-forward'),
    name: name.default('voicenter-forward'),
    url: httpUrl,
    format: z.enum(['query', 'form', 'json']).default('json'),
    timeoutMs,
    redirects,
  });
  const auth = z.discriminatedUnion('type', [
    z.strictObject({ type: z.literal('none') }),
    z.strictObject({ type: z.literal('basic'), username: z.string(), password: secret(env) }),
    z.strictObject({ type: z.literal('bearer'), token: secret(env) }),
    z.strictObject({ type: z.literal('header'), header: z.string().regex(/^[\w-]+$/), value: secret(env) }),
    z.strictObject({ type: z.literal('query'), param: z.string().min(1), value: secret(env) }),
    oauth2Schema(env),
  ]);
  const http = z.strictObject({
    kind: z.literal('http'),
    name,
    method: z.enum(['GET', 'POST']).default('GET'),
    url: httpUrl,
    query: z.record(z.string(), z.string()).default({}),
    headers: z.record(z.string(), z.string()).default({}),
    body: z.unknown().optional(),
    auth: auth.default({ type: 'none' }),
    params: z.record(z.string(), z.string()).default({}),
    response: z.strictObject({
      items: z.string().optional(),
      name: fieldPath,
      company: fieldPath.optional(),
      id: fieldPath.optional(),
      url: fieldPath.optional(),
      total: z.string().optional(),
      phone: fieldPath.optional(),
    }),
    matched: z.strictObject({ path: z.string(), equals: z.union([z.string(), z.number(), z.boolean()]).optional() }).optional(),
    recordUrl: z.string().default(''),
    searchUrl: z.string().default(''),
    match: z.enum(['exact', 'suffix']).default('exact'),
    suffixDigits: z.number().int().min(4).max(15).default(9),
    timeoutMs,
    redirects,
    limit: limitSchema.optional(),
    companyFrom: z.strictObject({ id: fieldPath, url: httpUrl, name: fieldPath }).optional(),
  });
  const presets = Object.keys(PRESETS).map((kind) =>
    z.looseObject({
      kind: z.literal(kind),
      name: name.optional(),
      token: secret(env).optional(),
      clientId: z.string().min(1).optional(),
      clientSecret: secret(env).optional(),
      refreshToken: secret(env).optional(),
      tokenUrl: httpUrl.optional(),
      baseUrl: httpUrl.optional(),
      term: z.string().optional(),
      timeoutMs,
      redirects,
    }),
  );
  return z.discriminatedUnion('kind', [directory, forward, http, ...presets]);
}

function schema(env: NodeJS.ProcessEnv) {
  const source = sourceSchema(env);
  return z.strictObject({
    /** The relay's own settings, read (and validated) by loadConfig in config.ts. */
    settings: z.unknown().optional(),
    /** Voicenter's own APIs (Real-Time, Click2Call), read by loadVoicenterConfig in voicenter/config.ts. */
    voicenter: z.unknown().optional(),
    lookup: z
      .strictObject({
        /** Voicenter drops the pop-up after about 3 s: answer with what is known by then. */
        budgetMs: z.number().int().min(100).max(2_900).default(2_500),
        cache: z
          .strictObject({
            positiveTtlSeconds: z.number().int().min(0).default(600),
            negativeTtlSeconds: z.number().int().min(0).default(60),
            staleSeconds: z.number().int().min(0).default(86_400),
            maxEntries: z.number().int().min(1).default(100_000),
          })
          .default({ positiveTtlSeconds: 600, negativeTtlSeconds: 60, staleSeconds: 86_400, maxEntries: 100_000 }),
        circuit: z
          .strictObject({ failures: z.number().int().min(1).default(5), cooldownSeconds: z.number().int().min(1).default(30) })
          .default({ failures: 5, cooldownSeconds: 30 }),
      })
      .default({
        budgetMs: 2_500,
        cache: { positiveTtlSeconds: 600, negativeTtlSeconds: 60, staleSeconds: 86_400, maxEntries: 100_000 },
        circuit: { failures: 5, cooldownSeconds: 30 },
      }),
    sources: z.array(source).min(1).default([{ kind: 'directory', name: 'directory' }]),
  });
}

export type { SourceConfig };

export interface LookupConfig {
  budgetMs: number;
  cache: { positiveTtlMs: number; negativeTtlMs: number; staleMs: number; maxEntries: number };
  circuit: { failures: number; cooldownMs: number };
  sources: SourceConfig[];
}

const MAX_BYTES = 1024 * 1024;

export const DEFAULT_LOOKUP: LookupConfig = {
  budgetMs: 2_500,
  cache: { positiveTtlMs: 600_000, negativeTtlMs: 60_000, staleMs: 86_400_000, maxEntries: 100_000 },
  circuit: { failures: 5, cooldownMs: 30_000 },
  sources: [{ kind: 'directory', name: 'directory' }],
};

function issuePath(path: PropertyKey[]): string {
  return path.map((p) => String(p)).join('.');
}

/** Reads and validates the file; an error names the key (`sources.1.token: …`). */
export function loadLookupConfig(file: string | undefined, env: NodeJS.ProcessEnv = process.env): LookupConfig {
  if (!file) return DEFAULT_LOOKUP;
  const parsed = schema(env).safeParse(readConfigFile(file));
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((i) => `${file}: ${issuePath(i.path)}: ${i.message}`).join('\n'));
  }
  const { lookup, sources } = parsed.data;
  const names = new Set<string>();
  const result: SourceConfig[] = sources.map((entry, index) => {
    const problem = (key: string, message: string) => new ConfigError(`${file}: sources.${index}.${key}: ${message}`);
    let out: SourceConfig;
    if (entry.kind === 'directory' || entry.kind === 'voicenter-forward') out = entry as SourceConfig;
    else if (entry.kind === 'http') {
      const h = entry as z.infer<ReturnType<typeof schema>>['sources'][number] & { kind: 'http' } & HttpSourceSpec;
      out = { ...h, maxBytes: MAX_BYTES };
    } else {
      const preset = PRESETS[entry.kind]!;
      const p = entry as Record<string, string | number | undefined> & { timeoutMs: number; redirects: RedirectPolicy };
      const given = (key: string) => p[key] !== undefined && p[key] !== '';
      for (const need of preset.required) {
        const either = need.split('|');
        if (!either.some(given)) throw problem(either[0]!, `is required for ${entry.kind}${either.length > 1 ? ` (or ${either.slice(1).join(', ')})` : ''}`);
      }
      if (given('refreshToken')) for (const key of ['clientId', 'clientSecret']) if (!given(key)) throw problem(key, 'is required with refreshToken');
      out = {
        kind: 'http',
        name: String(p.name ?? entry.kind),
        ...preset.build({ ...p, name: String(p.name ?? entry.kind), timeoutMs: p.timeoutMs }),
        suffixDigits: 9,
        timeoutMs: p.timeoutMs,
        maxBytes: MAX_BYTES,
        redirects: p.redirects,
      };
    }
    if (names.has(out.name)) throw problem('name', `"${out.name}" is used by another source`);
    names.add(out.name);
    if (out.kind === 'http') {
      const known = new Set<string>([...PHONE_PLACEHOLDERS, ...Object.keys(out.params)]);
      if (out.companyFrom) known.add('companyId');
      const templates = [out.url, out.recordUrl, out.searchUrl, out.companyFrom?.url ?? '', ...Object.values(out.query), ...Object.values(out.headers), JSON.stringify(out.body ?? '')];
      for (const t of templates) {
        for (const ph of placeholders(t)) if (!known.has(ph)) throw problem('url', `unknown placeholder {${ph}} (known: ${[...known].join(', ')})`);
      }
    }
    return out;
  });
  return {
    budgetMs: lookup.budgetMs,
    cache: {
      positiveTtlMs: lookup.cache.positiveTtlSeconds * 1000,
      negativeTtlMs: lookup.cache.negativeTtlSeconds * 1000,
      staleMs: lookup.cache.staleSeconds * 1000,
      maxEntries: lookup.cache.maxEntries,
    },
    circuit: { failures: lookup.circuit.failures, cooldownMs: lookup.circuit.cooldownSeconds * 1000 },
    sources: result,
  };
}
