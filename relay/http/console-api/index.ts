import { Readable } from 'node:stream';
import { stringify } from 'csv-stringify/sync';
import express, { type NextFunction, type Request, type Response } from 'express';
import { z } from 'zod';
import type { Floor, FloorAgent, Settings } from '../../../shared/console';
import { parsePhone } from '../../../shared/phone';
import { isHttpUrl } from '../../../shared/url';
import type { Admins } from '../../accounts/admins';
import { AgentExistsError, agentNameSchema, extenUserSchema, NoSuchAgentError, passwordSchema, type Agents } from '../../accounts/agents';
import { type CallLogSearch, CSV_COLUMNS, csvRecord, MAX_LOG_ROWS, type CallLogFilter } from '../../calls/call-log-search';
import type { CallTracker } from '../../calls/call-tracker';
import type { Config } from '../../platform/config';
import { EXTENSION_ID } from '../../platform/config';
import { ImportError, importContacts } from '../../lookup/contacts-import';
import type { Directory } from '../../lookup/directory';
import { errorHandler, rateLimited, sendError } from '../errors';
import { voicenterAnswer } from '../../calls/voicenter-answer';
import type { Logger } from '../../platform/log';
import type { LookupChain } from '../../lookup/chain';
import { newPassword, type PopupToken } from '../../accounts/secrets';
import type { AgentSockets } from '../../push/agent-sockets';

/** The console's session cookie: HttpOnly, SameSite=Strict, Secure under TLS. */
export const SESSION_COOKIE = 'screenpop_console';
/** Mutating requests must carry this header: a form or image on another site cannot (CSRF). */
export const CONSOLE_HEADER = 'x-screenpop-console';
/** A directory upload may be large (a whole CRM export); each row is still limited by the parser. */
const MAX_UPLOAD = '20mb';
/** Live views open at once; more are refused (each holds a connection). */
const MAX_LIVE_VIEWS = 50;
/** Keep below common proxy idle timeouts (60 s): a comment line keeps the event stream open. */
const LIVE_KEEPALIVE_MS = 20_000;

export interface ConsoleOptions {
  admins: Admins;
  agents: Agents;
  sockets: AgentSockets;
  calls: CallTracker;
  callLog: CallLogSearch;
  directory: Directory;
  chain: LookupChain;
  token: PopupToken;
  config: Config;
  log: Logger;
  /**
   * Subscribes to `change` of the floor (agents connecting, calls changing) or to `shutdown` of
   * the relay (open live views end then, or the server never finishes closing); returns the unsubscribe.
   */
  on: (event: 'change' | 'shutdown', listener: () => void) => () => void;
}

const signInSchema = z.object({ username: z.string().min(1).max(64), password: z.string().min(1).max(256) });
const newAgentSchema = z.object({ extenUser: z.string().trim().pipe(extenUserSchema), name: agentNameSchema.default(''), password: passwordSchema.optional() });
const agentChangeSchema = z.object({ name: agentNameSchema.optional(), enabled: z.boolean().optional() });
const contactSchema = z.object({
  name: z.string().trim().min(1).max(256),
  company: z.string().trim().max(256).default(''),
  url: z.string().trim().max(2048).refine((u) => u === '' || isHttpUrl(u), 'url must start with http:// or https://').default(''),
  phones: z.array(z.string().trim().min(1).max(64)).min(1, 'at least one phone number').max(20),
});
const logFilterSchema = z.object({
  number: z.string().max(32).optional(),
  agent: z.string().max(64).optional(),
  from: z.string().optional(),
  to: z.string().optional(),
  missed: z.enum(['1', 'true', '0', 'false', '']).optional(),
  limit: z.coerce.number().int().min(1).max(MAX_LOG_ROWS).optional(),
});

/** The console's JSON API under /console/api: administrators only, cookie session. */
export function consoleApi(o: ConsoleOptions): express.Router {
  const router = express.Router();
  const json = express.json({ limit: '16kb' });

  const bad = (res: Response, message: string) => sendError(res, 'INVALID_FIELDS', message);
  const issues = (err: z.ZodError) => err.issues.map((i) => (i.path.length ? `${i.path.join('.')}: ${i.message}` : i.message)).join('; ');

  // Every request: no caching of what administrators see; mutations only from the console itself.
  router.use((req, res, next) => {
    res.set('Cache-Control', 'no-store');
    if (req.method !== 'GET' && req.method !== 'HEAD' && req.get(CONSOLE_HEADER) !== '1') {
      sendError(res, 'FORBIDDEN', `console requests must carry the ${CONSOLE_HEADER} header`);
      return;
    }
    next();
  });

  router.post('/session', json, async (req, res) => {
    const parsed = signInSchema.safeParse(req.body);
    if (!parsed.success) return void bad(res, 'send {"username": "...", "password": "..."}');
    const result = await o.admins.signIn(parsed.data.username, parsed.data.password, req.ip);
    if (result.ok) {
      o.log.info({ admin: result.admin.username }, 'console sign-in');
      res.cookie(SESSION_COOKIE, result.token, {
        httpOnly: true,
        sameSite: 'strict',
        secure: req.secure,
        path: '/',
        maxAge: o.admins.sessionTtlMs,
      });
      res.status(201).json({ username: result.admin.username });
    } else if (result.code === 'RATE_LIMITED') {
      o.log.warn({ admin: parsed.data.username, ip: req.ip }, 'console sign-in refused: too many attempts');
      rateLimited(res, result.retryAfterMs, 'too many sign-in attempts');
    } else {
      o.log.warn({ admin: parsed.data.username }, 'console sign-in failed');
      sendError(res, 'UNAUTHORIZED', 'wrong username or password');
    }
  });

  // Everything below needs a signed-in administrator.
  router.use((req: Request, res: Response, next: NextFunction) => {
    const token = cookie(req, SESSION_COOKIE);
    const admin = token ? o.admins.session(token) : undefined;
    if (!admin) {
      sendError(res, 'UNAUTHORIZED', 'sign in to the console');
      return;
    }
    res.locals.admin = admin;
    res.locals.sessionToken = token;
    next();
  });

  router.get('/session', (_req, res) => void res.json({ username: res.locals.admin.username }));
  router.delete('/session', (_req, res) => {
    o.admins.signOut(res.locals.sessionToken as string);
    res.clearCookie(SESSION_COOKIE, { path: '/' }).status(204).end();
  });

  // The live floor: agents and calls now, then again on every change (server-sent events).
  const floor = (): Floor => ({ agents: floorAgents(o), calls: o.calls.openCalls() });
  let liveViews = 0;
  router.get('/floor', (_req, res) => void res.json(floor()));
  router.get('/floor/events', (req, res) => {
    if (liveViews >= MAX_LIVE_VIEWS) return void sendError(res, 'TOO_MANY', 'too many live views open');
    liveViews++;
    res.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-store', Connection: 'keep-alive' });
    const push = () => res.write(`event: floor\ndata: ${JSON.stringify(floor())}\n\n`);
    // Changes come in bursts (one per station and phase): one snapshot per burst.
    let pending: NodeJS.Timeout | undefined;
    const unsubscribe = o.on('change', () => {
      pending ??= setTimeout(() => {
        pending = undefined;
        push();
      }, 100);
    });
    const keepalive = setInterval(() => res.write(': keepalive\n\n'), LIVE_KEEPALIVE_MS);
    const stopping = o.on('shutdown', () => res.end());
    push();
    req.on('close', () => {
      liveViews--;
      unsubscribe();
      stopping();
      clearInterval(keepalive);
      clearTimeout(pending);
    });
  });

  // The call log, filtered; the same as CSV.
  const logFilter = (req: Request, res: Response): CallLogFilter | undefined => {
    const parsed = logFilterSchema.safeParse(req.query);
    if (!parsed.success) return void bad(res, issues(parsed.error));
    const { number, agent, from, to, missed, limit } = parsed.data;
    const date = (s: string | undefined, endOfDay: boolean) => {
      if (!s) return undefined;
      const ms = Date.parse(/^\d{4}-\d{2}-\d{2}$/.test(s) ? `${s}T00:00:00` : s);
      return Number.isNaN(ms) ? NaN : endOfDay && /^\d{4}-\d{2}-\d{2}$/.test(s) ? ms + 86_400_000 : ms;
    };
    const f = date(from, false);
    const t = date(to, true);
    if (Number.isNaN(f) || Number.isNaN(t)) return void bad(res, 'from and to are dates like 2026-11-27');
    return { number, agent, from: f, to: t, missed: missed === '1' || missed === 'true', limit };
  };
  router.get('/calls', (req, res) => {
    const filter = logFilter(req, res);
    if (filter) res.json(o.callLog.find(filter));
  });
  router.get('/calls.csv', (req, res) => {
    const filter = logFilter(req, res);
    if (!filter) return;
    const rows = o.callLog.find({ ...filter, limit: filter.limit ?? MAX_LOG_ROWS });
    res
      .type('text/csv; charset=utf-8')
      .attachment(`calls-${new Date().toISOString().slice(0, 10)}.csv`)
      // A BOM, so spreadsheet programs read Hebrew names as UTF-8.
      .send(`\uFEFF${stringify(rows.map(csvRecord), { header: true, columns: [...CSV_COLUMNS] })}`);
  });

  // Agents: the same rules as `npm run relay -- agents …`.
  router.get('/agents', (_req, res) => void res.json(floorAgents(o)));
  router.post('/agents', json, async (req, res) => {
    const parsed = newAgentSchema.safeParse(req.body);
    if (!parsed.success) return void bad(res, issues(parsed.error));
    const password = parsed.data.password ?? newPassword();
    try {
      await o.agents.add(parsed.data.extenUser, parsed.data.name, password);
    } catch (err) {
      if (err instanceof AgentExistsError) return void sendError(res, 'CONFLICT', err.message);
      throw err;
    }
    o.log.info({ agent: parsed.data.extenUser, admin: res.locals.admin.username }, 'agent added in the console');
    res.status(201).json({ extenUser: parsed.data.extenUser, password: parsed.data.password ? undefined : password });
  });
  router.patch('/agents/:extenUser', json, (req, res) => {
    const parsed = agentChangeSchema.safeParse(req.body);
    if (!parsed.success) return void bad(res, issues(parsed.error));
    try {
      const agent = o.agents.update(String(req.params.extenUser), parsed.data);
      if (parsed.data.enabled === false) o.sockets.revalidate();
      o.log.info({ agent: agent.extenUser, change: parsed.data, admin: res.locals.admin.username }, 'agent changed in the console');
      res.json(agent);
    } catch (err) {
      if (err instanceof NoSuchAgentError) return void sendError(res, 'NOT_FOUND', err.message);
      throw err;
    }
  });
  router.post('/agents/:extenUser/password', json, async (req, res) => {
    const given = z.object({ password: passwordSchema.optional() }).safeParse(req.body ?? {});
    if (!given.success) return void bad(res, issues(given.error));
    const password = given.data.password ?? newPassword();
    try {
      await o.agents.setPassword(String(req.params.extenUser), password);
    } catch (err) {
      if (err instanceof NoSuchAgentError) return void sendError(res, 'NOT_FOUND', err.message);
      throw err;
    }
    o.sockets.revalidate();
    res.json({ password: given.data.password ? undefined : password });
  });

  // The directory: search, edit one contact, upload a CSV (preview first with ?dryRun=1).
  router.get('/contacts', (req, res) => {
    const q = typeof req.query.q === 'string' ? req.query.q.slice(0, 100) : '';
    res.json({ total: o.directory.count(), contacts: o.directory.search(q) });
  });
  router.put('/contacts/:key', json, (req, res) => {
    const key = Number(req.params.key);
    const parsed = contactSchema.safeParse(req.body);
    if (!Number.isSafeInteger(key)) return void bad(res, 'no such contact');
    if (!parsed.success) return void bad(res, issues(parsed.error));
    if (!o.directory.update(key, parsed.data)) return void sendError(res, 'NOT_FOUND', 'no such contact');
    res.json(o.directory.get(key));
  });
  router.post('/contacts/import', express.text({ type: ['text/csv', 'text/plain', 'application/vnd.ms-excel'], limit: MAX_UPLOAD }), async (req, res) => {
    if (typeof req.body !== 'string') return void sendError(res, 'UNSUPPORTED_MEDIA_TYPE', 'send the CSV file as text/csv');
    const dryRun = req.query.dryRun === '1' || req.query.dryRun === 'true';
    try {
      const report = await importContacts(Readable.from([req.body]), o.directory, { dryRun });
      if (!dryRun) o.log.info({ added: report.added, updated: report.updated, bad: report.bad.length, admin: res.locals.admin.username }, 'contacts imported in the console');
      res.json(report);
    } catch (err) {
      if (err instanceof ImportError) return void bad(res, err.message);
      throw err;
    }
  });

  // Sources: the chain and each one's circuit; "test a number" runs the whole chain with its trace.
  router.get('/sources', (_req, res) => void res.json(o.chain.health()));
  router.post('/sources/test', json, async (req, res) => {
    const parsed = z.object({ phone: z.string().trim().min(1).max(64), cache: z.boolean().default(false) }).safeParse(req.body);
    if (!parsed.success) return void bad(res, 'send {"phone": "..."}');
    const phone = parsePhone(parsed.data.phone, o.config.RELAY_DEFAULT_COUNTRY);
    const traced = await o.chain.trace(phone, parsed.data.cache);
    res.json({ phone, answer: voicenterAnswer(traced.identity), identity: traced.identity, steps: traced.steps, cache: traced.cache });
  });

  // Settings: what to paste in Voicenter and in Chrome policies; rotating the pop-up token.
  const settings = (req: Request): Settings => ({
    popupUrl: `${req.protocol}://${req.get('host') ?? 'localhost'}/voicenter/${o.token.value}`,
    tokenFromEnvironment: o.token.fromEnvironment,
    extensionId: EXTENSION_ID,
    popupOrigins: o.config.RELAY_POPUP_ORIGINS,
    extensionOrigins: o.config.RELAY_EXTENSION_ORIGINS,
    popupAllowIps: o.config.RELAY_POPUP_ALLOW_IPS,
  });
  router.get('/settings', (req, res) => void res.json(settings(req)));
  router.post('/settings/rotate-token', (req, res) => {
    if (o.token.fromEnvironment) {
      return void sendError(res, 'CONFLICT', 'the pop-up token is set by RELAY_VOICENTER_TOKEN: change it there');
    }
    o.token.rotate();
    o.log.warn({ admin: res.locals.admin.username }, 'pop-up token rotated: update the URL in Voicenter');
    res.json(settings(req));
  });

  router.use((_req, res) => void sendError(res, 'NOT_FOUND', 'not found'));
  router.use(errorHandler(o.log));
  return router;
}

/** Every agent on the roster with its connections. */
function floorAgents(o: ConsoleOptions): FloorAgent[] {
  const connected = o.sockets.connected();
  return o.agents.list().map((a) => {
    const c = connected.get(a.id);
    return { extenUser: a.extenUser, name: a.name, enabled: a.enabled, browsers: c?.sockets ?? 0, since: c?.since ?? null };
  });
}

/** One cookie's value from the Cookie header (only the console's own cookie is ever read). */
function cookie(req: Request, name: string): string | undefined {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const [k, ...v] = part.trim().split('=');
    if (k !== name) continue;
    try {
      return decodeURIComponent(v.join('='));
    } catch {
      return undefined; // not a cookie this relay set
    }
  }
  return undefined;
}
