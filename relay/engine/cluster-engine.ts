import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { secretSetting, tokenSetting } from '../accounts/secrets';
import { watchRoster } from '../accounts/revocation-watch';
import { SignInThrottle, THROTTLE } from '../accounts/sign-in-throttle';
import { PostgresCallLog } from '../calls/postgres-call-log';
import { clusterDelivery } from '../cluster/cluster-delivery';
import { holdRealtime } from '../cluster/lease';
import { connectRedis, redisAnswers } from '../cluster/redis';
import { RedisThrottleState } from '../cluster/redis-throttle';
import { SharedCalls } from '../cluster/shared-calls';
import { sharedIdentify } from '../cluster/shared-lookup';
import { readCopies, type DirectoryCopy } from '../lookup/directory-copy';
import type { Config } from '../platform/config';
import type { Logger } from '../platform/log';
import { openStore } from '../platform/store';
import type { Engine, EngineHooks } from './engine';

/** Several relays: the first message waits this long for a caller the directory (over the network) knows. */
const FIRST_MESSAGE_WAIT_MS = 50;
/** How often a relay on PostgreSQL checks that its copy of the directory is current. */
const COPY_SYNC_MS = 2_000;

/** Several relays: what lasts in PostgreSQL, what moves between them (calls, messages, throttles, the lease) in Redis. */
export async function openClusterEngine(config: Config, databaseUrl: string, redisUrl: string, { log, onCallLogDropped }: EngineHooks): Promise<Engine> {
  const store = await openStore({ RELAY_DATA_DIR: config.RELAY_DATA_DIR, RELAY_DATABASE_URL: databaseUrl }, (status) =>
    status.up ? log.info('PostgreSQL answers again') : log.warn({ err: status.problem }, "PostgreSQL unreachable: callers named from the relay's copy, the call log kept until it is back"),
  );
  const redis = await connectRedis(redisUrl, config.RELAY_REDIS_PREFIX, log).catch(async (err: unknown) => {
    await store.close();
    throw err;
  });
  const { sql } = store;
  const link = store.link!;
  const callLog = new PostgresCallLog(sql, { log, onDropped: onCallLogDropped });
  const token = tokenSetting(sql);
  let copy: DirectoryCopy | null = null;
  return {
    sql,
    db: null,
    tokenPlace: token,
    extensionKeyPlace: secretSetting(sql, 'extension-key'),
    throttleState: new RedisThrottleState(redis, THROTTLE, log),
    callLog,
    async callsAndDelivery(lineName, options) {
      const calls = new SharedCalls(redis, callLog, lineName, options.log);
      return { calls, delivery: await clusterDelivery(redis, { ...options, calls }) };
    },
    identify: (inner, budgetMs) => sharedIdentify(redis, inner, budgetMs),
    firstMessageWaitMs: FIRST_MESSAGE_WAIT_MS,
    keepCopies(parts, options) {
      copy = readCopies(sql, parts, { ...options, doubtful: () => link.doubtful() });
      copy.sync().catch((err: unknown) => log.warn({ err: (err as Error).message }, 'directory not copied from PostgreSQL yet'));
      parts.cache.warmCopy().catch((err: unknown) => log.warn({ err: (err as Error).message }, 'lookup answers not copied from PostgreSQL'));
      return copy;
    },
    watchWriters: (agents, changed) => watchRoster(agents, changed),
    chores: ({ token: popupToken }) => [
      // Another relay may have rotated the pop-up token.
      { every: 1_000, run: () => popupToken.refresh() },
      // Failures are PostgreSQL away, said once by the store's link: the copy keeps its age (/readyz).
      { every: COPY_SYNC_MS, run: () => copy?.sync().catch(() => undefined) },
    ],
    holdRealtime: (source, realtimeToken) => holdRealtime(redis, realtimeToken, source, log),
    ops: {
      redisAnswers: () => redisAnswers(redis),
      postgresStatus: (directoryCopy) => ({ link: link.status(), copy: directoryCopy.status() }),
    },
    signingKeyFile(given, key) {
      if (given.RELAY_EXTENSION_KEY) return given.RELAY_EXTENSION_KEY;
      // crx3 reads the key from a file: a private copy of the one the relays share.
      const file = join(given.RELAY_DATA_DIR, 'extension-key.shared.pem');
      writeFileSync(file, key.privateKeyPem, { mode: 0o600 });
      return file;
    },
    async close() {
      await callLog.flush();
      callLog.close();
      await store.close();
      copy?.close();
      redis.disconnect();
    },
  };
}

/** The sign-in throttle every relay counts in (Redis), for the CLI. */
export async function clusterThrottle(redisUrl: string, prefix: string, log: Logger): Promise<{ throttle: SignInThrottle; close: () => void }> {
  const redis = await connectRedis(redisUrl, prefix, log);
  return { throttle: new SignInThrottle(THROTTLE, Date.now, new RedisThrottleState(redis, THROTTLE, log)), close: () => redis.disconnect() };
}
