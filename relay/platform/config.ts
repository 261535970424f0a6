// Room relay/platform/: what every room stands on — settings, the database and its writes, logs, metrics, timers.
import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import proxyaddr from 'proxy-addr';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import type { CountryCode } from 'libphonenumber-js';
import { isCountryCode } from '../../shared/phone';

/** The pinned id of this project's extension (manifest `key`); see README "Extension id". */
export const EXTENSION_ID = 'hpgllcagpmlblacglfdepplhomfbghgg';
/** Voicenter's own Chrome extension, which sends pop-up requests from the agent's browser. */
export const VOICENTER_EXTENSION_ORIGIN = 'chrome-extension://ifiaikfdhcagbagdeflffjdammidpbio';

/** Who may read /metrics and /readyz by default: this machine and private networks (where Prometheus runs). */
export const DEFAULT_METRICS_ALLOW_IPS = ['127.0.0.0/8', '::1/128', '10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', 'fc00::/7', 'fe80::/10'];

const list = z
  .string()
  .transform((s) => s.split(',').map((x) => x.trim()).filter(Boolean));
const int = (min: number, max: number) => z.coerce.number({ error: 'must be a number' }).int('must be a whole number').min(min).max(max);
const template = z
  .string()
  .refine((s) => s === '' || /^https?:\/\//i.test(s), 'must start with http:// or https://');

/** proxy-addr's names for the ranges a proxy on the same machine or network sits in. */
const PROXY_RANGES = new Set(['loopback', 'linklocal', 'uniquelocal']);

/**
 * The reverse proxies RELAY_TRUST_PROXY names — addresses, CIDR ranges (10.0.0.0/8, or with a
 * netmask) and proxy-addr's loopback, linklocal, uniquelocal — or what is wrong with it. Never a
 * hop count (nor true): it names no proxy, so whoever reaches the relay directly would choose
 * their own address with X-Forwarded-For (past the sign-in throttle and the allow-lists) and
 * every address would count as a proxy's, past the connection limits.
 */
export function trustedProxies(setting: string): { ok: true; proxies: string[] } | { ok: false; error: string } {
  const entries = setting.split(',').map((x) => x.trim()).filter(Boolean);
  for (const entry of entries) {
    if (/^\d+$/.test(entry)) {
      return { ok: false, error: `${entry} is a hop count, which names no proxy: anyone reaching the relay directly could choose their address with X-Forwarded-For. Name the proxies: their addresses or ranges (10.0.0.5, 10.0.0.0/8) or loopback, linklocal, uniquelocal` };
    }
    const [address = '', range] = entry.split('/');
    if (!PROXY_RANGES.has(entry) && (isIP(address) === 0 || (range !== undefined && !/^\d+$/.test(range) && isIP(range) === 0))) {
      return { ok: false, error: `${entry.slice(0, 64)} is not a proxy's address: name IP addresses, CIDR ranges or loopback, linklocal, uniquelocal, comma-separated` };
    }
  }
  try {
    // (proxy-addr has the last word: a prefix too long for its address, a netmask with holes.)
    if (entries.length > 0) proxyaddr.compile(entries);
  } catch (err) {
    return { ok: false, error: `${(err as Error).message}: name IP addresses, CIDR ranges or loopback, linklocal, uniquelocal, comma-separated` };
  }
  return { ok: true, proxies: entries };
}

/** Every setting, its environment variable and its default. */
const schema = z.object({
  PORT: int(0, 65535).default(8080),
  HOST: z.string().min(1).default('0.0.0.0'),
  /** A second port serving only /voicenter/… (the pop-up and CDR URLs): the one to expose to the internet. */
  RELAY_POPUP_PORT: int(0, 65535).optional(),
  /** The pop-up port's address; default HOST (e.g. HOST the private network's, this one the public). */
  RELAY_POPUP_HOST: z.string().min(1).optional(),
  RELAY_DATA_DIR: z.string().min(1).default('./data'),
  /** A PEM private key to sign the extension with for force-install; unset, one is made on the first start. */
  RELAY_EXTENSION_KEY: z.string().optional(),
  RELAY_VOICENTER_TOKEN: z
    .string()
    .regex(/^[\w-]{16,128}$/, 'must be 16 to 128 letters, digits, - or _')
    .optional(),
  RELAY_CONTACT_URL: template.default(''),
  RELAY_SEARCH_URL: template.default(''),
  RELAY_DEFAULT_COUNTRY: z
    .string()
    .transform((s) => s.toUpperCase())
    .refine(isCountryCode, 'must be a two-letter country code such as IL')
    .default('IL'),
  /** Origins allowed to call the pop-up endpoint from a browser (CORS). */
  RELAY_POPUP_ORIGINS: list.default([VOICENTER_EXTENSION_ORIGIN]),
  /** Origins allowed to sign in and open the agent WebSocket: this project's extension. */
  RELAY_EXTENSION_ORIGINS: list.default([`chrome-extension://${EXTENSION_ID}`]),
  /** Addresses (IPs or CIDR ranges) allowed to call the pop-up URL; empty: any address. */
  RELAY_POPUP_ALLOW_IPS: list
    .refine((items) => items.every((i) => isIP(i.split('/')[0]!) !== 0), 'must be IP addresses or CIDR ranges, comma-separated')
    .default([]),
  /** Who may read /metrics and /readyz (IPs or CIDR ranges; `none`: only with the token). Default: loopback and private ranges. */
  RELAY_METRICS_ALLOW_IPS: z
    .string()
    .transform((s) => (s.trim().toLowerCase() === 'none' ? [] : s.split(',').map((x) => x.trim()).filter(Boolean)))
    .refine((items) => items.every((i) => isIP(i.split('/')[0]!) !== 0), 'must be IP addresses or CIDR ranges, comma-separated, or none')
    .default(DEFAULT_METRICS_ALLOW_IPS),
  /** A bearer token that opens /metrics and /readyz from any address (for a scraper outside the allowed ranges). */
  RELAY_METRICS_TOKEN: z.string().min(16, 'must be at least 16 characters').optional(),
  /** The reverse proxies whose X-Forwarded-For names the client, by address or range (e.g. loopback, 10.0.0.0/8): trustedProxies. */
  RELAY_TRUST_PROXY: z
    .string()
    .superRefine((setting, ctx) => {
      const read = trustedProxies(setting);
      if (!read.ok) ctx.addIssue({ code: 'custom', message: read.error });
    })
    .default(''),
  /** Serve HTTPS directly: PEM certificate and key files (both, or neither). */
  RELAY_TLS_CERT: z.string().default(''),
  RELAY_TLS_KEY: z.string().default(''),
  /** Longest a client may take to send a whole request (a slow-body client cannot hold a connection). */
  RELAY_REQUEST_TIMEOUT_MS: int(100, 300_000).default(15_000),
  /** Open connections in all (keep below the process's open-files limit, ulimit -n, less ~100). */
  RELAY_MAX_CONNECTIONS: int(10, 1_000_000).default(10_000),
  /** Open connections from one client address (IPv6: one /64); the proxies RELAY_TRUST_PROXY names are not limited. */
  RELAY_MAX_CONNECTIONS_PER_IP: int(1, 1_000_000).default(1_000),
  /** Browsers one agent may be signed in on at once; one more is refused. */
  RELAY_MAX_SOCKETS_PER_AGENT: int(1, 100).default(10),
  /** Messages one extension connection may send per minute (acks and pings are a few); more closes it. */
  RELAY_MAX_MESSAGES_PER_MINUTE: int(10, 100_000).default(600),
  /** Digits compared when the exact number is not in the directory. */
  RELAY_MATCH_SUFFIX_DIGITS: int(4, 15).default(9),
  RELAY_CALL_RETENTION_DAYS: int(1, 3650).default(30),
  /** A station still ringing with no news this long lost its hang-up: the call ends for it (missed unless answered). */
  RELAY_RINGING_TIMEOUT_MINUTES: int(1, 24 * 60).default(10),
  /** A call talking or on hold with no news this long lost its hang-up: it ends. */
  RELAY_TALKING_TIMEOUT_HOURS: int(1, 72).default(4),
  RELAY_SESSION_TTL_HOURS: int(1, 24 * 365).default(24 * 30),
  /** Keep below 30 s: Chrome stops an idle extension service worker at 30 s. */
  RELAY_HEARTBEAT_MS: int(100, 25_000).default(20_000),
  /** Several relays: PostgreSQL for what lasts (with RELAY_REDIS_URL); unset, the embedded SQLite database. */
  RELAY_DATABASE_URL: z
    .string()
    .refine((u) => /^postgres(ql)?:\/\/\S+$/i.test(u), 'must be a postgres:// URL')
    .optional(),
  /** Several relays: Redis for what moves between them (with RELAY_DATABASE_URL). */
  RELAY_REDIS_URL: z
    .string()
    .refine((u) => /^rediss?:\/\/\S+$/i.test(u), 'must be a redis:// or rediss:// URL')
    .optional(),
  /** Several relays: the start of every key the relays keep in Redis (installations, or tests, sharing one server each have theirs). */
  RELAY_REDIS_PREFIX: z.string().regex(/^[\w:.-]{1,64}$/, 'letters, digits and _ : . - (up to 64)').default('screenpop:'),
  /** The caller-lookup file (JSON or YAML): sources, budget, cache. Without it: the directory alone. */
  RELAY_CONFIG: z.string().optional(),
  /** masked: logs show only a phone number's last three digits; full: whole numbers (tracing one caller). */
  RELAY_LOG_PHONES: z.enum(['masked', 'full']).default('masked'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});

export type Config = Omit<z.infer<typeof schema>, 'RELAY_DEFAULT_COUNTRY'> & { RELAY_DEFAULT_COUNTRY: CountryCode };

export class ConfigError extends Error {}

const ENV_REF = /^\$\{([A-Z_][A-Z0-9_]*)\}$/;

/** A secret in the RELAY_CONFIG file: `${NAME}` there, the environment variable's value once loaded. */
export const secretFromEnv = (env: NodeJS.ProcessEnv) =>
  z.string().transform((value, ctx) => {
    const name = ENV_REF.exec(value)?.[1];
    if (!name) {
      ctx.addIssue({ code: 'custom', message: 'must name an environment variable like ${CRM_TOKEN}, never the secret itself' });
      return z.NEVER;
    }
    const found = env[name];
    if (!found) {
      ctx.addIssue({ code: 'custom', message: `environment variable ${name} is not set` });
      return z.NEVER;
    }
    return found;
  });

/** Reads the RELAY_CONFIG file (JSON or YAML); an error names the file. */
export function readConfigFile(file: string): unknown {
  try {
    const text = readFileSync(file, 'utf8');
    return (/\.json$/i.test(file) ? JSON.parse(text) : parseYaml(text)) ?? {};
  } catch (err) {
    throw new ConfigError(`RELAY_CONFIG: cannot read ${file}: ${(err as Error).message}`);
  }
}

/**
 * The `settings` section of the RELAY_CONFIG file: the same names as the environment variables
 * (`PORT: 8080`, `RELAY_POPUP_ALLOW_IPS: [10.0.0.0/8]`), as strings like the environment's.
 */
function settingsFromFile(file: string, known: Set<string>): Record<string, string> {
  const raw = readConfigFile(file);
  const section = typeof raw === 'object' && raw !== null ? (raw as Record<string, unknown>).settings : undefined;
  if (section === undefined || section === null) return {};
  if (typeof section !== 'object' || Array.isArray(section)) throw new ConfigError(`${file}: settings: must be a mapping of setting names to values`);
  const result: Record<string, string> = {};
  for (const [key, value] of Object.entries(section)) {
    if (!known.has(key) || key === 'RELAY_CONFIG') throw new ConfigError(`${file}: settings.${key}: unknown setting`);
    if (Array.isArray(value) && value.every((v) => typeof v === 'string' || typeof v === 'number')) result[key] = value.join(',');
    else if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') result[key] = String(value);
    else throw new ConfigError(`${file}: settings.${key}: must be a text, a number or a list`);
  }
  return result;
}

/**
 * Reads the configuration: defaults, then the `settings` of the RELAY_CONFIG file, then the
 * environment, which wins. An error names the variable (and the file when it came from there).
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): { config: Config; unknown: string[] } {
  const known = new Set(Object.keys(schema.shape));
  const picked: Record<string, string> = env.RELAY_CONFIG ? settingsFromFile(env.RELAY_CONFIG, known) : {};
  for (const key of known) {
    const value = env[key];
    if (value !== undefined && value !== '') picked[key] = value;
  }
  const parsed = schema.safeParse(picked);
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('\n'));
  }
  if (!parsed.data.RELAY_DATABASE_URL !== !parsed.data.RELAY_REDIS_URL) {
    throw new ConfigError('RELAY_DATABASE_URL, RELAY_REDIS_URL: several relays need both (PostgreSQL and Redis); set both, or neither for the embedded database');
  }
  if (!parsed.data.RELAY_TLS_CERT !== !parsed.data.RELAY_TLS_KEY) {
    throw new ConfigError('RELAY_TLS_CERT, RELAY_TLS_KEY: give both files, or neither');
  }
  checkPopupPort(parsed.data);
  const unknown = Object.keys(env).filter((k) => k.startsWith('RELAY_') && !known.has(k));
  return { config: parsed.data, unknown };
}

const WILDCARDS = new Set(['0.0.0.0', '::']);

/** The pop-up port is a second listener: never without its port, never on the main port's own address. */
function checkPopupPort(c: Pick<Config, 'PORT' | 'HOST' | 'RELAY_POPUP_PORT' | 'RELAY_POPUP_HOST'>): void {
  if (c.RELAY_POPUP_PORT === undefined) {
    if (c.RELAY_POPUP_HOST !== undefined) throw new ConfigError('RELAY_POPUP_HOST: only with RELAY_POPUP_PORT (the pop-up port it is the address of)');
    return;
  }
  const host = c.RELAY_POPUP_HOST ?? c.HOST;
  const sameAddress = host === c.HOST || WILDCARDS.has(host) || WILDCARDS.has(c.HOST);
  if (c.RELAY_POPUP_PORT !== 0 && c.RELAY_POPUP_PORT === c.PORT && sameAddress) {
    throw new ConfigError(`RELAY_POPUP_PORT: ${c.PORT} is PORT already; choose another port for the pop-up (or another RELAY_POPUP_HOST)`);
  }
}

/** Defaults with overrides, for tests and embedding. */
export function makeConfig(overrides: Partial<Config> = {}): Config {
  return { ...(schema.parse({}) as Config), ...overrides };
}
