import type { Server } from 'node:http';
import type express from 'express';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Admins } from './accounts/admins';
import { Agents } from './accounts/agents';
import { PopupToken } from './accounts/secrets';
import { openExtensionKey, type ExtensionKey } from './accounts/extension-key';
import { signedExtension } from './scripts/package-extension';
import type { ExtensionPackage } from './http/extension-update';
import { SignInThrottle, THROTTLE } from './accounts/sign-in-throttle';
import { CallFlow, type Identify } from './calls/call-flow';
import { CallLogSearch } from './calls/call-log-search';
import type { Calls } from './calls/call-tracker';
import { LineNames } from './calls/line-names';
import { LiveEvents } from './http/console-api/live-events';
import { createHttpApp, refuseUpgrade } from './http/routes';
import { createHttpServer } from './http/server';
import type { LookupCache } from './lookup/cache';
import type { ContactChoices } from './lookup/contact-choices';
import { createChain, type LookupChain } from './lookup/chain';
import { loadLookupConfig, type LookupConfig } from './lookup/config';
import { loadVoicenterConfig, type VoicenterConfig } from './voicenter/config';
import { RealtimeBoard } from './voicenter/realtime-board';
import { VoicenterRealtime, type RealtimeTimings } from './voicenter/realtime-source';
import type { Directory } from './lookup/directory';
import type { Config } from './platform/config';
import type { DB } from './platform/db';
import { describeTightened, prepareDataDir, tightenDataDir } from './platform/data-dir';
import type { Sql } from './platform/sql';
import { projectPath } from './platform/project-root';
import { DatabaseAway } from './platform/postgres-link';
import { startHousekeeping } from './platform/housekeeping';
import { createLogger, type Logger } from './platform/log';
import { Metrics } from './platform/metrics';
import { AgentSockets } from './push/agent-sockets';
import type { Delivery } from './push/delivery';
import { openEngine, type Engine } from './engine/engine';

export { relayThrottle } from './engine/engine';

/**
 * The wiring room: builds every part of the relay and connects them. It decides nothing; each
 * part's rules live in its own room (accounts, calls, lookup, http, push, platform).
 */

/** A console session lasts a working day: an administrator's browser left signed in is a risk, an agent's less so. */
const ADMIN_SESSION_MS = 12 * 3_600_000;
/** How long delivered messages stay in the outbox for replay, and how far back a resync looks. */
const REPLAY_WINDOW_MS = 2 * 60_000;
const MINUTE = 60_000;
const HOUR = 3_600_000;

export interface RelayOptions {
  log?: Logger;
  /** Replaces the lookup chain as the way callers are identified (tests). */
  identify?: Identify;
  /** The built extension to sign for force-install, instead of dist/extension (tests). */
  extensionDir?: string;
  /** The lookup configuration, instead of reading RELAY_CONFIG (tests). */
  lookup?: LookupConfig;
  /** Voicenter's APIs, instead of reading RELAY_CONFIG (tests); `realtimeTimings` shortens the Real-Time API's waits. */
  voicenter?: VoicenterConfig;
  realtimeTimings?: Partial<RealtimeTimings>;
  /** The sign-in throttle's clock, instead of Date.now (tests: attempts counted with time standing still). */
  signInClock?: () => number;
  /** How long messages are kept for replay, instead of two minutes (tests: coming back past it without waiting). */
  replayWindowMs?: number;
}

export interface Relay {
  server: Server;
  /** The pop-up port's server (RELAY_POPUP_PORT), serving /voicenter/… only; null without one. Listened on and closed by the owner, as `server`. */
  popupServer: Server | null;
  app: express.Express;
  /** The embedded database; null on PostgreSQL. */
  db: DB | null;
  /** The database, as the stores speak to it (either engine). */
  sql: Sql;
  /** The extension id this installation's own key gives (force-install); always an allowed origin. */
  installationExtensionId: string;
  /** The pop-up URL's secret segment now (the console can rotate it). */
  readonly token: string;
  admins: Admins;
  directory: Directory;
  agents: Agents;
  chain: LookupChain;
  /** Contacts agents chose for numbers with several matches. */
  choices: ContactChoices;
  cache: LookupCache;
  metrics: Metrics;
  flow: CallFlow;
  /** The calls being handled (this relay's, or every relay's through Redis). */
  calls: Calls;
  sockets: AgentSockets;
  delivery: Delivery;
  log: Logger;
  /** Voicenter's Real-Time API connection, when configured. */
  realtime: VoicenterRealtime | null;
  /** Ends the console's live views (long-lived responses): call before closing the server. */
  endLiveViews(): void;
  /** Stops timers, closes sockets and the database. The server must be closed by its owner. */
  close(): Promise<void>;
}

/** Builds the relay (HTTP app, WebSocket server, database) without listening. */
export async function createRelay(given: Config, options: RelayOptions = {}): Promise<Relay> {
  const log = options.log ?? createLogger(given.LOG_LEVEL, { phones: given.RELAY_LOG_PHONES });
  // An installation made before the data directory was kept private: tightened, and said, once.
  const tightened = tightenDataDir(given.RELAY_DATA_DIR);
  if (tightened.changed.length + tightened.failed.length > 0) log.warn({ dataDir: given.RELAY_DATA_DIR }, `data directory: ${describeTightened(tightened)}`);
  const engine = await openEngine(given, { log, onCallLogDropped: (n) => metrics.callLogDropped.inc(n) });
  const { sql, db, callLog: callLogStore } = engine;
  // The extension as this installation signs it (force-install) is always an allowed origin.
  const extensionKey = await openExtensionKey(engine.extensionKeyPlace, given.RELAY_EXTENSION_KEY);
  const config: Config = { ...given, RELAY_EXTENSION_ORIGINS: [...new Set([...given.RELAY_EXTENSION_ORIGINS, `chrome-extension://${extensionKey.id}`])] };
  const token = await PopupToken.open(engine.tokenPlace, config.RELAY_VOICENTER_TOKEN);
  // One throttle for agents and administrators: failures from one address count for both (on every relay, with several).
  const throttle = new SignInThrottle(THROTTLE, options.signInClock ?? Date.now, engine.throttleState);
  const agents = new Agents(sql, config.RELAY_SESSION_TTL_HOURS * HOUR, throttle);
  const admins = new Admins(sql, ADMIN_SESSION_MS, throttle);
  const live = new LiveEvents();
  const lines = await LineNames.load(sql, config.RELAY_DEFAULT_COUNTRY);
  const lookup = options.lookup ?? loadLookupConfig(config.RELAY_CONFIG);
  // Read at scrape time, once the sockets and the chain below exist.
  const metrics = new Metrics(() => sockets.stats(), () => chain.circuits(), () => delivery.kept(), () => callLogStore.pending());
  const voicenter = options.voicenter ?? loadVoicenterConfig(config.RELAY_CONFIG);
  const deliveryOptions = { windowMs: options.replayWindowMs ?? REPLAY_WINDOW_MS, heartbeatMs: config.RELAY_HEARTBEAT_MS, clickToCall: voicenter.click2call !== null, onResume: (kind: 'replay' | 'resync') => metrics.resumes.inc({ kind }), log };
  const { calls, delivery } = await engine.callsAndDelivery(lines.name, deliveryOptions);
  const sockets = new AgentSockets({
    agents, log, allowedOrigins: config.RELAY_EXTENSION_ORIGINS, heartbeatMs: config.RELAY_HEARTBEAT_MS,
    maxSocketsPerAgent: config.RELAY_MAX_SOCKETS_PER_AGENT, maxMessagesPerMinute: config.RELAY_MAX_MESSAGES_PER_MINUTE,
    onChange: live.changed, hello: (agent) => delivery.hello(agent), resume: (agent, m) => delivery.resume(agent, m),
  });
  delivery.attach(sockets);
  const { chain, cache, directory, choices } = createChain(sql, config, lookup, log, (step) =>
    metrics.lookupSeconds.observe({ source: step.source, outcome: step.outcome }, step.ms / 1000),
  );
  const directoryCopy = engine.keepCopies({ directory, cache }, { country: config.RELAY_DEFAULT_COUNTRY, suffixDigits: config.RELAY_MATCH_SUFFIX_DIGITS, budgetMs: lookup.budgetMs, log });
  const flow = new CallFlow({
    calls, agents, deliver: (agentId, message) => delivery.deliver(agentId, message), identify: engine.identify(options.identify ?? chain.identify, lookup.budgetMs),
    country: config.RELAY_DEFAULT_COUNTRY, answerBudgetMs: lookup.budgetMs, firstMessageWaitMs: engine.firstMessageWaitMs, log,
    onDelivered: (seconds) => metrics.deliverySeconds.observe(seconds), onChange: live.changed,
  });
  const callLog = new CallLogSearch(sql, () => callLogStore.flush(), { country: config.RELAY_DEFAULT_COUNTRY, suffixDigits: config.RELAY_MATCH_SUFFIX_DIGITS, lineName: lines.name });
  // Signed on the first request for it (Chrome's update check), not at every start.
  let extensionPackage: Promise<ExtensionPackage | null> | undefined;
  const signed = () => (extensionPackage ??= signExtension(config, engine, extensionKey, options.extensionDir ?? projectPath('dist/extension'), log));
  // What the Real-Time API tells the supervisor besides calls: queues (their callers found by the same chain, cached) and phone statuses.
  const voicenterBoard = voicenter.realtime ? new RealtimeBoard({ country: config.RELAY_DEFAULT_COUNTRY, identify: chain.identify, onChange: live.changed }) : null;
  const { postgresStatus } = engine.ops;
  const { app, listener, popupListener } = createHttpApp({
    config, log, installationExtensionId: extensionKey.id, extensionPackage: signed, sql, redisAnswers: engine.ops.redisAnswers,
    postgresStatus: directoryCopy && postgresStatus ? () => postgresStatus(directoryCopy) : undefined,
    token, admins, agents, sockets, calls, callLog, lines, directory, chain, choices, flow, metrics, live, click2call: voicenter.click2call, voicenterBoard, voicenterExtensions: voicenter.extensions,
  });
  const limits = {
    isTrustedProxy: (address: string) => (app.get('trust proxy fn') as (addr: string, hop: number) => boolean)(address, 0),
    onRefused: (reason: 'per-address' | 'total') => metrics.connectionsRefused.inc({ reason }),
    log,
  };
  const server = createHttpServer(config, listener, limits);
  // The same limits and TLS on the pop-up port; no WebSocket there.
  const popupServer = config.RELAY_POPUP_PORT !== undefined ? createHttpServer(config, popupListener, limits) : null;
  popupServer?.on('upgrade', refuseUpgrade);
  server.on('upgrade', (req, socket, head) => sockets.handleUpgrade(req, socket, head));

  const stopHousekeeping = await startChores({ config, engine, agents, sockets, flow, calls, delivery, token, cache, log });
  // Voicenter's Real-Time API: its call events take the pop-up requests' path (a phase heard twice counts once).
  const realtime = voicenter.realtime ? new VoicenterRealtime({ ...voicenter.realtime, log, timings: options.realtimeTimings, board: voicenterBoard!, onEvent: (event) => flow.handle(event, 'realtime') }) : null;
  // Several relays: only the one holding the lease connects (one connection per account); another takes over when it dies.
  const realtimeLease = realtime ? await engine.holdRealtime(realtime, voicenter.realtime!.token) : null;

  return {
    installationExtensionId: extensionKey.id,
    server, popupServer, app, db, sql, admins, directory, agents, chain, choices, cache, metrics, flow, calls, sockets, delivery, log, realtime,
    get token() {
      return token.value;
    },
    endLiveViews: () => live.shutdown(),
    async close() {
      realtime?.stop();
      await realtimeLease?.stop();
      stopHousekeeping();
      live.shutdown();
      sockets.close();
      delivery.close();
      await engine.close();
    },
  };
}

/** The relay's repeated chores; returns their stop. */
async function startChores(p: {
  config: Config; engine: Engine; agents: Agents; sockets: AgentSockets; flow: CallFlow; calls: Calls; delivery: Delivery; token: PopupToken; cache: LookupCache; log: Logger;
}): Promise<() => void> {
  const { config, engine, agents, sockets, flow, calls, delivery, token, cache, log } = p;
  const pruneLog = () => calls.prune(Date.now() - config.RELAY_CALL_RETENTION_DAYS * 24 * HOUR);
  const stale = { ringingMs: config.RELAY_RINGING_TIMEOUT_MINUTES * MINUTE, talkingMs: config.RELAY_TALKING_TIMEOUT_HOURS * HOUR };
  // PostgreSQL away is said once, by the store's link, not by every chore that needs it.
  const choreFailed = (err: unknown) => (err instanceof DatabaseAway ? undefined : log.error({ err: (err as Error).message }, 'housekeeping failed'));
  const rosterChanged = () => {
    agents.forget();
    sockets.revalidate().catch(choreFailed);
  };
  // Sessions ended and agents changed elsewhere (the CLI; with several relays, the others too).
  const otherWriters = await engine.watchWriters(agents, rosterChanged);
  const stop = startHousekeeping(
    [
      { every: 500, run: otherWriters },
      { every: MINUTE, run: () => sockets.revalidate() },
      { every: 30_000, run: () => flow.expireStale(Date.now(), stale) },
      // Agents who get nothing new still have their old messages dropped (each add drops its own).
      { every: 5_000, run: () => delivery.prune() },
      ...engine.chores({ token }),
      { every: HOUR, run: () => (pruneLog(), cache.prune()) },
    ],
    choreFailed,
  );
  pruneLog().catch((err: unknown) => log.error({ err: (err as Error).message }, 'call log retention failed'));
  return stop;
}

/**
 * The built extension signed with the installation's key into the data directory, for
 * force-install from the relay (null when it is not built: the relay runs without it).
 */
async function signExtension(config: Config, engine: Engine, key: ExtensionKey, dir: string, log: Logger): Promise<ExtensionPackage | null> {
  if (!existsSync(join(dir, 'manifest.json'))) return null;
  prepareDataDir(config.RELAY_DATA_DIR);
  const crxPath = join(config.RELAY_DATA_DIR, 'screen-pop.crx');
  try {
    const { version } = await signedExtension(dir, engine.signingKeyFile(config, key), key.publicKey, crxPath);
    return { id: key.id, version, crxPath };
  } catch (err) {
    log.error({ err: (err as Error).message }, 'could not sign the extension for force-install');
    return null;
  }
}
