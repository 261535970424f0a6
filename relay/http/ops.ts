import express, { type RequestHandler } from 'express';
import type { Config } from '../platform/config';
import type { Sql } from '../platform/sql';
import { bearerToken } from './bearer';
import { sendError } from './errors';
import { ipAllowList } from './ip-allow';
import type { LookupChain } from '../lookup/chain';
import type { Metrics } from '../platform/metrics';
import { secretMatcher } from '../accounts/secrets';
import type { LinkStatus } from '../platform/postgres-link';
import type { CopyStatus } from '../lookup/directory-copy';

/** The relay's copy of the directory is said to be stale once it has not matched PostgreSQL for this long. */
const COPY_STALE_MS = 10_000;

/** What /readyz says of PostgreSQL beyond "answers": why not, since when, and how old the relay's copy is. */
function postgresParts(status: { link: LinkStatus; copy: CopyStatus } | undefined, now = Date.now()): Record<string, unknown> {
  if (!status) return {};
  const { link, copy } = status;
  const ageMs = copy.syncedAt === null ? null : now - copy.syncedAt;
  return {
    ...(link.up ? {} : { postgresqlProblem: link.problem, postgresqlAwaySince: new Date(link.since!).toISOString() }),
    directoryCopy: {
      contacts: copy.contacts,
      ageSeconds: ageMs === null ? null : Math.round(ageMs / 1000),
      stale: ageMs === null || ageMs > COPY_STALE_MS,
      ...(copy.truncated ? { truncated: true } : {}),
    },
  };
}

/**
 * /metrics and /readyz tell source names, circuit states and agent counts: only to addresses in
 * RELAY_METRICS_ALLOW_IPS, or to a request with `Authorization: Bearer <RELAY_METRICS_TOKEN>`.
 */
export function opsAccess(allowIps: string[], token: string | undefined): RequestHandler {
  const allowed = ipAllowList(allowIps);
  const tokenMatches = token ? secretMatcher(token) : null;
  return (req, res, next) => {
    if (allowed?.(req.ip)) return next();
    const given = bearerToken(req);
    if (tokenMatches && given !== undefined && tokenMatches(given)) return next();
    sendError(res, 'FORBIDDEN_ADDRESS', 'this address may not read it: see RELAY_METRICS_ALLOW_IPS and RELAY_METRICS_TOKEN');
  };
}

export interface OpsOptions {
  sql: Sql;
  /** Several relays: whether Redis answers (PING). */
  redisAnswers?: () => Promise<boolean>;
  /** PostgreSQL: whether the relay reaches it (and what it saw when not), and the relay's copy of the directory. */
  postgresStatus?: () => { link: LinkStatus; copy: CopyStatus };
  chain: LookupChain;
  metrics: Metrics;
  config: Config;
}

/** /healthz (open to all, says only "ok"), /readyz and /metrics (allowed addresses or a token). */
export function opsRouter({ sql, redisAnswers, postgresStatus, chain, metrics, config }: OpsOptions): express.Router {
  const router = express.Router();
  /** Whether the database answers within a second (the embedded file at once). */
  const databaseAnswers = async () => {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), 1_000)));
    try {
      return await Promise.race([sql.get('SELECT 1').then(() => true), late]);
    } catch {
      return false;
    } finally {
      clearTimeout(timer);
    }
  };
  router.get('/healthz', async (_req, res) => {
    if (await databaseAnswers()) res.json({ status: 'ok' });
    else res.status(503).json({ status: 'unavailable' });
  });
  const access = opsAccess(config.RELAY_METRICS_ALLOW_IPS, config.RELAY_METRICS_TOKEN);
  // Readiness: the database answers, and not every remote lookup source is cut off.
  // Several relays name what they depend on: PostgreSQL and Redis.
  router.get('/readyz', access, async (_req, res) => {
    const circuits = chain.circuits();
    const [database, redis] = await Promise.all([databaseAnswers(), redisAnswers?.()]);
    const states = Object.values(circuits);
    const sourcesReady = states.length === 0 || states.some((s) => s !== 'open');
    const ready = database && redis !== false && sourcesReady;
    const parts = redisAnswers ? { database, postgresql: database, redis, ...postgresParts(postgresStatus?.()) } : { database };
    // What is wrong with a source (an expired token, a wrong URL), in words without secrets.
    const problems = Object.fromEntries(chain.health().filter((h) => h.problem).map((h) => [h.name, h.problem]));
    res.status(ready ? 200 : 503).json({ status: ready ? 'ready' : 'not ready', ...parts, sources: circuits, ...(Object.keys(problems).length ? { sourceProblems: problems } : {}) });
  });
  router.get('/metrics', access, async (_req, res) => {
    res.type(metrics.registry.contentType).send(await metrics.registry.metrics());
  });
  return router;
}
