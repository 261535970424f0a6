// Room relay/cluster/: what moves between relays through Redis — deliveries, sequence numbers and replay, revocations.
import type { Redis } from 'ioredis';
import { redactUrl } from '../platform/postgres';
import { SchemaError } from '../platform/schema';
import type { Logger } from '../platform/log';

/** How long one Redis command may take before it fails (and the caller goes on without Redis). */
export const COMMAND_TIMEOUT_MS = 2_000;

/**
 * A connection to RELAY_REDIS_URL, every key under `prefix` (several installations, or tests, can
 * share one server). Commands fail at once while Redis is away (no queue growing in memory): the
 * callers decide what to do without it. Failing to reach it at start names the setting.
 */
export async function connectRedis(url: string, prefix: string, log: Logger): Promise<Redis> {
  // Loaded here: a relay without Redis never loads ioredis (memory, issue 16).
  const { Redis: RedisClient } = await import('ioredis');
  const redis = new RedisClient(url, {
    keyPrefix: prefix,
    lazyConnect: true,
    enableOfflineQueue: false,
    // Commands of one event-loop turn go out in one write: a busy relay's writes to Redis were a
    // fifth of its CPU (bench/RESULTS.md).
    enableAutoPipelining: true,
    maxRetriesPerRequest: 1,
    connectTimeout: 5_000,
    // A Redis that takes a connection and then answers nothing must not hold requests: a command gives up.
    commandTimeout: COMMAND_TIMEOUT_MS,
    retryStrategy: (times) => Math.min(times * 200, 2_000),
  });
  let warned = false;
  redis.on('error', (err: Error) => {
    // Reconnecting is ioredis's work; one line per outage, not one per attempt.
    if (warned) return;
    warned = true;
    log.error({ err: err.message }, 'Redis unreachable: deliveries between relays wait for it');
  });
  redis.on('ready', () => {
    if (warned) log.info('Redis is back');
    warned = false;
  });
  try {
    await redis.connect();
  } catch (err) {
    redis.disconnect();
    throw new SchemaError(`RELAY_REDIS_URL: cannot reach Redis at ${redactUrl(url)}: ${(err as Error).message}`);
  }
  return redis;
}

/** Whether Redis answers a PING within a second. */
export async function redisAnswers(redis: Redis): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), 1_000)));
  try {
    return await Promise.race([redis.ping().then(() => true), late]);
  } catch {
    return false;
  } finally {
    clearTimeout(timer);
  }
}
