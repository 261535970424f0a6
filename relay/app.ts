import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import type { Server } from 'node:http';
import express from 'express';
import { Admins } from './accounts/admins';
import { Agents } from './accounts/agents';
import { apiRouter } from './http/agents-api';
import { CallFlow } from './calls/call-flow';
import { CallLog } from './calls/call-log-search';
import { CallBook } from './calls/call-tracker';
import { Checkpointer } from './platform/checkpointer';
import { consoleApi } from './http/console-api';
import { serveConsole } from './http/console-static';
import { GroupCommit } from './platform/group-commit';
import type { Config } from './platform/config';
import { openDatabase, type DB } from './platform/db';
import type { Directory } from './lookup/directory';
import type { Identify } from './calls/voicenter-answer';
import type { LookupCache } from './lookup/cache';
import { createChain, type LookupChain } from './lookup/chain';
import { loadLookupConfig, type LookupConfig } from './lookup/config';
import { errorHandler, sendError } from './http/errors';
import { createHttpServer } from './http/server';
import { ingestRouter } from './http/popup-ingest';
import { ipAllowList } from './http/ip-allow';
import { createLogger, loggablePath, type Logger } from './platform/log';
import { Metrics } from './platform/metrics';
import { opsRouter } from './http/ops';
import { Outbox } from './push/outbox';
import { PopupToken } from './accounts/secrets';
import { SignInThrottle } from './accounts/sign-in-throttle';
import { AgentSockets } from './push/agent-sockets';

/** A request id a caller may choose: short, and nothing a log reader could mistake for structure. */
const REQUEST_ID = /^[\w.-]{1,64}$/;
/** A console session lasts a working day: an administrator's browser left signed in is a risk, an agent's less so. */
const ADMIN_SESSION_MS = 12 * 3_600_000;
/** How long delivered messages stay in the outbox for replay, and how far back a resync looks. */
const REPLAY_WINDOW_MS = 2 * 60_000;
/** How often calls that lost their hang-up are looked for. */
const STALE_SWEEP_MS = 30_000;
/** How often messages past the replay window are dropped for agents who got nothing new. */
const OUTBOX_SWEEP_MS = 5_000;
/** How often the relay looks for sessions ended by the CLI (another process writing the database). */
const REVOCATION_POLL_MS = 500;
/** How often the WAL is copied into the database file (off the event loop). */
const CHECKPOINT_MS = 1_000;

export interface RelayOptions {
  log?: Logger;
  /** Replaces the lookup chain as the way callers are identified (tests). */
  identify?: Identify;
  /** The lookup configuration, instead of reading RELAY_CONFIG (tests). */
  lookup?: LookupConfig;
}

export interface Relay {
  server: Server;
  app: express.Express;
  db: DB;
  /** The pop-up URL's secret segment now (the console can rotate it). */
  readonly token: string;
  admins: Admins;
  directory: Directory;
  agents: Agents;
  chain: LookupChain;
  cache: LookupCache;
  metrics: Metrics;
  flow: CallFlow;
  sockets: AgentSockets;
  outbox: Outbox;
  log: Logger;
  /** Ends the console's live views (long-lived responses): call before closing the server. */
  endLiveViews(): void;
  /** Stops timers, closes sockets and the database. The server must be closed by its owner. */
  close(): Promise<void>;
}

/** Builds the relay (HTTP app, WebSocket server, database) without listening. */
export function createRelay(config: Config, options: RelayOptions = {}): Relay {
  const log = options.log ?? createLogger(config.LOG_LEVEL, { phones: config.RELAY_LOG_PHONES });
  const db = openDatabase(config.RELAY_DATA_DIR);
  const token = new PopupToken(config.RELAY_DATA_DIR, config.RELAY_VOICENTER_TOKEN);
  const sessionTtlMs = config.RELAY_SESSION_TTL_HOURS * 3_600_000;
  // One throttle for agents and administrators: failures from one address count for both.
  const throttle = new SignInThrottle();
  const agents = new Agents(db, sessionTtlMs, throttle);
  const admins = new Admins(db, ADMIN_SESSION_MS, throttle);
  // Agents connecting, calls changing: the console's live view listens.
  const floor = new EventEmitter();
  floor.setMaxListeners(0);
  const floorChanged = () => floor.emit('change');
  // Checkpoints run in a worker thread; the relay's own connection never does one.
  db.pragma('wal_autocheckpoint = 0');
  const checkpointer = new Checkpointer(db.name, CHECKPOINT_MS, (message) => log.error({ err: message }, 'WAL checkpoint failed'));
  const commits = new GroupCommit(db);
  const outbox = new Outbox(REPLAY_WINDOW_MS);
  const calls = new CallBook(db, commits);
  const sockets = new AgentSockets({
    agents,
    log,
    allowedOrigins: config.RELAY_EXTENSION_ORIGINS,
    heartbeatMs: config.RELAY_HEARTBEAT_MS,
    maxSocketsPerAgent: config.RELAY_MAX_SOCKETS_PER_AGENT,
    maxMessagesPerMinute: config.RELAY_MAX_MESSAGES_PER_MINUTE,
    onChange: floorChanged,
    hello: (agent) => ({
      type: 'hello',
      seq: outbox.last(agent.id),
      epoch: outbox.epoch,
      agent: { extenUser: agent.extenUser, name: agent.name },
      heartbeatMs: config.RELAY_HEARTBEAT_MS,
    }),
    resume: (agent, { epoch, seq, since }) => {
      // Same relay, messages still kept: replay exactly what was missed.
      const missed = epoch === outbox.epoch ? outbox.since(agent.id, seq) : null;
      if (missed) {
        metrics.resumes.inc({ kind: 'replay' });
        return missed;
      }
      metrics.resumes.inc({ kind: 'resync' });
      // The relay restarted, or the gap is past the window: the call log says where calls stand.
      const now = Date.now();
      const complete = since > 0 && now - since <= REPLAY_WINDOW_MS;
      const from = complete ? since : now - REPLAY_WINDOW_MS;
      log.info({ agent: agent.extenUser, complete }, 'resync');
      return [
        { type: 'resync', complete, since: from },
        ...calls.recentFor(agent.extenUser, from).map((call) => outbox.add(agent.id, { type: 'call', call })),
      ];
    },
  });
  const lookup = options.lookup ?? loadLookupConfig(config.RELAY_CONFIG);
  // Read at scrape time, when the sockets and the chain below exist.
  const metrics = new Metrics(
    () => sockets.stats(),
    () => chain.circuits(),
    () => outbox.size(),
  );
  const { chain, cache, directory } = createChain(db, config, lookup, log, (step) =>
    metrics.lookupSeconds.observe({ source: step.source, outcome: step.outcome }, step.ms / 1000),
  );
  const identify = options.identify ?? chain.identify;
  const flow = new CallFlow({
    calls,
    outbox,
    agents,
    send: (agentId, message) => sockets.send(agentId, message),
    identify,
    country: config.RELAY_DEFAULT_COUNTRY,
    answerBudgetMs: lookup.budgetMs,
    log,
    onDelivered: (seconds) => metrics.deliverySeconds.observe(seconds),
    onChange: floorChanged,
  });

  const app = express();
  app.disable('x-powered-by');
  // Behind a reverse proxy, req.ip (the IP allow-list, logs) comes from X-Forwarded-For of trusted proxies only.
  if (config.RELAY_TRUST_PROXY) app.set('trust proxy', /^\d+$/.test(config.RELAY_TRUST_PROXY) ? Number(config.RELAY_TRUST_PROXY) : config.RELAY_TRUST_PROXY);
  app.set('etag', false);
  // Served over TLS: browsers (the console, the extension's fetches) must never fall back to plain HTTP.
  if (config.RELAY_TLS_CERT) {
    app.use((_req, res, next) => {
      res.set('Strict-Transport-Security', 'max-age=31536000');
      next();
    });
  }
  // Every request has an id (the caller's X-Request-Id when it is a sane one), answered back and
  // in every log line about it, so one Voicenter request can be followed through the logs.
  app.use((req, res, next) => {
    const given = req.get('x-request-id');
    const id = given && REQUEST_ID.test(given) ? given : randomUUID();
    res.set('X-Request-Id', id);
    res.locals.log = log.child({ reqId: id });
    next();
  });
  if (log.isLevelEnabled('debug')) {
    app.use((req, res, next) => {
      const started = process.hrtime.bigint();
      res.on('finish', () => {
        const ms = Number(process.hrtime.bigint() - started) / 1e6;
        (res.locals.log as Logger).debug({ method: req.method, path: loggablePath(req.originalUrl), status: res.statusCode, ms }, 'request');
      });
      next();
    });
  }
  app.use(opsRouter({ db, chain, metrics, config }));
  app.use(
    '/console/api',
    consoleApi({
      admins, agents, sockets, calls, callLog: new CallLog(db, () => commits.flush(), { country: config.RELAY_DEFAULT_COUNTRY, suffixDigits: config.RELAY_MATCH_SUFFIX_DIGITS }), directory, chain, token, config, log,
      on: (event, listener) => {
        floor.on(event, listener);
        return () => floor.off(event, listener);
      },
    }),
  );
  app.use(ingestRouter({ token, count: (format, status) => metrics.popupRequests.inc({ format, outcome: String(status) }), allowIp: ipAllowList(config.RELAY_POPUP_ALLOW_IPS), allowedOrigins: config.RELAY_POPUP_ORIGINS, flow, log }));
  app.use(
    '/api',
    apiRouter({ agents, allowedOrigins: config.RELAY_EXTENSION_ORIGINS, onSessionsChanged: () => sockets.revalidate(), log }),
  );
  app.use(serveConsole());
  app.use((_req, res) => {
    sendError(res, 'NOT_FOUND', 'not found');
  });
  app.use(errorHandler(log));

  const server = createHttpServer(config, app, {
    isTrustedProxy: (address) => (app.get('trust proxy fn') as (addr: string, hop: number) => boolean)(address, 0),
    onRefused: (reason) => metrics.connectionsRefused.inc({ reason }),
    log,
  });
  server.on('upgrade', (req, socket, head) => sockets.handleUpgrade(req, socket, head));

  const staleLimits = { ringingMs: config.RELAY_RINGING_TIMEOUT_MINUTES * 60_000, talkingMs: config.RELAY_TALKING_TIMEOUT_HOURS * 3_600_000 };
  const pruneLog = () => calls.prune(Date.now() - config.RELAY_CALL_RETENTION_DAYS * 86_400_000);
  // Sessions ended by the CLI (agents remove / passwd) are written by another process:
  // PRAGMA data_version changes then, and the relay closes those sockets at once.
  let dataVersion = db.pragma('data_version', { simple: true });
  const timers = [
    setInterval(() => {
      const now = db.pragma('data_version', { simple: true });
      if (now !== dataVersion) {
        dataVersion = now;
        agents.forget();
        sockets.revalidate();
      }
    }, REVOCATION_POLL_MS),
    setInterval(() => sockets.revalidate(), 60_000),
    setInterval(() => flow.expireStale(Date.now(), staleLimits), STALE_SWEEP_MS),
    // Agents who get nothing new still have their old messages dropped (each add drops its own).
    setInterval(() => outbox.prune(), OUTBOX_SWEEP_MS),
    setInterval(() => {
      pruneLog();
      cache.prune();
    }, 3_600_000),
  ];
  for (const t of timers) t.unref();
  pruneLog();

  return {
    server,
    app,
    db,
    get token() {
      return token.value;
    },
    admins,
    directory,
    agents,
    chain,
    cache,
    metrics,
    flow,
    sockets,
    outbox,
    log,
    endLiveViews() {
      floor.emit('shutdown');
    },
    async close() {
      for (const t of timers) clearInterval(t);
      floor.emit('shutdown');
      sockets.close();
      commits.flush();
      await checkpointer.stop();
      // The last connection to close checkpoints what is left and removes the WAL.
      db.close();
    },
  };
}
