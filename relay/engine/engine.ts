import type { CountryCode } from 'libphonenumber-js';
import type { DB } from '../platform/db';
import type { Config } from '../platform/config';
import type { Logger } from '../platform/log';
import type { Sql } from '../platform/sql';
import type { LinkStatus } from '../platform/postgres-link';
import type { PopupToken, TokenPlace } from '../accounts/secrets';
import { SignInThrottle, type ThrottleState } from '../accounts/sign-in-throttle';
import type { Agents } from '../accounts/agents';
import type { Identify } from '../calls/call-flow';
import type { CallLogStore } from '../calls/call-log-store';
import type { Calls } from '../calls/call-tracker';
import type { Delivery, DeliveryOptions } from '../push/delivery';
import type { LookupCache } from '../lookup/cache';
import type { Directory } from '../lookup/directory';
import type { CopyStatus, DirectoryCopy } from '../lookup/directory-copy';
import type { ExtensionKey } from '../accounts/extension-key';

/**
 * What differs between one relay on its SQLite file and several relays on PostgreSQL and Redis,
 * behind one set of interfaces: `relay/app.ts` wires the parts the same way on both, and only
 * this room (and the settings that choose) knows which engine runs.
 */
export interface Engine {
  /** The database as every store speaks to it. */
  sql: Sql;
  /** The embedded database itself, for tests and the CLI; null on PostgreSQL. */
  db: DB | null;
  /** Where the pop-up token and the extension's signing key are kept (files, or the database's settings shared by every relay). */
  tokenPlace: TokenPlace;
  extensionKeyPlace: TokenPlace;
  /** Where sign-in failures are counted (in memory, or Redis for every relay); undefined: in memory. */
  throttleState: ThrottleState | undefined;
  /** Where the call log is written (group commits on SQLite, batches kept while PostgreSQL is away). */
  callLog: CallLogStore;
  /** The calls and the way messages reach agents (one relay's memory, or shared through Redis). */
  callsAndDelivery(lineName: (did: string) => string, options: Omit<DeliveryOptions, 'calls'>): Promise<{ calls: Calls; delivery: Delivery }>;
  /** How callers are identified: several relays ask the chain once per call for all of them. */
  identify(inner: Identify, budgetMs: number): Identify;
  /** How long the first message waits for a directory answer that comes over the network (0: none does). */
  firstMessageWaitMs: number;
  /** The relay's own copy of what names callers, kept for when the database is away; null where the database is a local file. */
  keepCopies(parts: { directory: Directory; cache: LookupCache }, options: CopyOptions): DirectoryCopy | null;
  /** Calls `changed` when another process (the CLI, another relay) changed agents or sessions; returns the check to repeat. */
  watchWriters(agents: Agents, changed: () => void): Promise<() => void | Promise<void>>;
  /** Repeated chores only this engine needs. */
  chores(parts: { token: PopupToken }): { every: number; run: () => unknown }[];
  /** Starts Voicenter's Real-Time API connection: at once, or on the one relay holding the lease. */
  holdRealtime(source: { start(): void; stop(): void }, token: string): Promise<{ stop(): Promise<void> } | null>;
  /** What /readyz adds on this engine. */
  ops: { redisAnswers?: () => Promise<boolean>; postgresStatus?: (copy: DirectoryCopy) => { link: LinkStatus; copy: CopyStatus } };
  /** The key file crx3 signs with: the one given, the embedded relay's own, or a private copy of the shared one. */
  signingKeyFile(config: Config, key: ExtensionKey): string;
  close(): Promise<void>;
}

export interface CopyOptions {
  country: CountryCode;
  suffixDigits: number;
  budgetMs: number;
  log: Logger;
}

export interface EngineHooks {
  log: Logger;
  /** Called with how many call-log entries were given up (PostgreSQL away for too long). */
  onCallLogDropped: (count: number) => void;
}

/** The engine the settings name: several relays with RELAY_DATABASE_URL and RELAY_REDIS_URL, else the embedded one. */
export async function openEngine(config: Config, hooks: EngineHooks): Promise<Engine> {
  if (config.RELAY_DATABASE_URL && config.RELAY_REDIS_URL) {
    // Loaded only when configured: the embedded relay never loads the cluster's code or its clients.
    const { openClusterEngine } = await import('./cluster-engine');
    return openClusterEngine(config, config.RELAY_DATABASE_URL, config.RELAY_REDIS_URL, hooks);
  }
  const { openEmbeddedEngine } = await import('./embedded-engine');
  return openEmbeddedEngine(config, hooks);
}

/**
 * The sign-in throttle the relays of this installation count failures in, for a password set from
 * the CLI: with several relays it is Redis (the same as createRelay's), so forgetting an account's
 * failures there lets it in again on every relay at once.
 */
export async function relayThrottle(config: Config, log: Logger): Promise<{ throttle: SignInThrottle; close: () => void }> {
  if (!config.RELAY_REDIS_URL) return { throttle: new SignInThrottle(), close: () => undefined };
  const { clusterThrottle } = await import('./cluster-engine');
  return clusterThrottle(config.RELAY_REDIS_URL, config.RELAY_REDIS_PREFIX, log);
}
