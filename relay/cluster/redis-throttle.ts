import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { THROTTLE, type ThrottleLimits, type ThrottleState, type Undo } from '../accounts/sign-in-throttle';
import type { Logger } from '../platform/log';
import { isWrongType } from './junk';
import { keys as redisKeys } from './keys';

/** How long an address that signed in to an account stays exempt from the account's slowing. */
const TRUSTED_MS = 90 * 24 * 3_600_000;

/**
 * The same rules as MemoryThrottleState, decided and counted in one Lua script, so attempts on
 * several relays at once get no more tries than on one. KEYS: the pair's hash (f failures, w wait
 * until), the address's and the account's failures (sorted sets by time), the account's slow-until,
 * the pair's trusted mark, the account's pairs. ARGV: now, this attempt's id, then the limits.
 * Every key's type is checked before anything changes: one of another type is junk, replaced
 * (forgotten), and a value that is not a number counts as none; no wait is longer than its limit.
 * Returns {wait, failures before, wait-until before ('' when the pair had none), the types replaced}.
 */
const TAKE = `
local now = tonumber(ARGV[1])
local pairFree, pairBase, pairMax, pairMemory = tonumber(ARGV[3]), tonumber(ARGV[4]), tonumber(ARGV[5]), tonumber(ARGV[6])
local addrMax, addrWindow, acctMax, acctWindow, slowInterval = tonumber(ARGV[7]), tonumber(ARGV[8]), tonumber(ARGV[9]), tonumber(ARGV[10]), tonumber(ARGV[11])
local expected = {'hash', 'zset', 'zset', 'string', '', 'set'}
local was = {}
for i = 1, 6 do
  local kind = redis.call('TYPE', KEYS[i]).ok
  was[i] = ''
  if expected[i] ~= '' and kind ~= 'none' and kind ~= expected[i] then was[i] = kind end
end
for i = 1, 6 do
  if was[i] ~= '' then redis.call('DEL', KEYS[i]) end
end
local replaced = table.concat(was, ',')
local waitUntil = tonumber(redis.call('HGET', KEYS[1], 'w')) or 0
if waitUntil > now then return {math.min(waitUntil - now, pairMax), '', '', replaced} end
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now - addrWindow)
if redis.call('ZCARD', KEYS[2]) >= addrMax then
  local first = redis.call('ZRANGE', KEYS[2], 0, 0, 'WITHSCORES')
  return {math.max(1, math.min(tonumber(first[2]) + addrWindow - now, addrWindow)), '', '', replaced}
end
redis.call('ZREMRANGEBYSCORE', KEYS[3], '-inf', now - acctWindow)
if redis.call('ZCARD', KEYS[3]) >= acctMax and redis.call('EXISTS', KEYS[5]) == 0 then
  local slowUntil = tonumber(redis.call('GET', KEYS[4])) or 0
  if slowUntil > now then return {math.min(slowUntil - now, slowInterval), '', '', replaced} end
  redis.call('SET', KEYS[4], now + slowInterval, 'PX', slowInterval)
end
local before = tonumber(redis.call('HGET', KEYS[1], 'f'))
local beforeWait = tonumber(redis.call('HGET', KEYS[1], 'w'))
local failures = (before or 0) + 1
local wait = 0
if failures >= pairFree then wait = math.min(pairBase * 2 ^ (failures - pairFree), pairMax) end
redis.call('HSET', KEYS[1], 'f', failures, 'w', now + wait)
redis.call('PEXPIRE', KEYS[1], pairMemory + pairMax)
redis.call('SADD', KEYS[6], KEYS[1])
redis.call('PEXPIRE', KEYS[6], pairMemory + pairMax)
redis.call('ZADD', KEYS[2], now, ARGV[2])
redis.call('PEXPIRE', KEYS[2], addrWindow)
redis.call('ZADD', KEYS[3], now, ARGV[2])
redis.call('PEXPIRE', KEYS[3], acctWindow)
return {0, before and tostring(before) or '', beforeWait and tostring(beforeWait) or '', replaced}`;

/** Several relays' sign-in throttling state, in Redis (see TAKE). */
export class RedisThrottleState implements ThrottleState {
  constructor(
    private readonly redis: Redis,
    private readonly limits: ThrottleLimits = THROTTLE,
    private readonly log?: Logger,
  ) {}

  async take(account: string, address: string, now: number): Promise<{ wait: number; undo?: Undo }> {
    const l = this.limits;
    const keys = this.keys(account, address);
    const names = [keys.pair, keys.address, keys.account, keys.slow, keys.trusted, keys.pairs];
    const id = randomUUID();
    const [wait, before, beforeWait, replaced] = (await this.redis.eval(
      TAKE, 6, ...names,
      now, id, l.pairFreeFailures, l.pairBaseWaitMs, l.pairMaxWaitMs, l.pairMemoryMs,
      l.addressMaxFailures, l.addressWindowMs, l.accountMaxFailures, l.accountWindowMs, l.accountSlowIntervalMs,
    )) as [number, string, string, string];
    replaced.split(',').forEach((type, i) => {
      if (type) this.log?.warn({ key: names[i], type }, 'sign-in throttle state in Redis of another type: replaced (its failures forgotten)');
    });
    if (wait > 0) return { wait };
    const forget = () => this.redis.multi().zrem(keys.address, id).zrem(keys.account, id);
    return {
      wait: 0,
      undo: {
        succeeded: async () => {
          // This address starts afresh on this account, and is not slowed by others' failures on it.
          await forget().del(keys.pair).set(keys.trusted, '1', 'PX', TRUSTED_MS).exec();
        },
        notTried: async () => {
          const restore = forget();
          if (before) restore.hset(keys.pair, 'f', before, 'w', beforeWait || '0');
          else restore.del(keys.pair);
          await restore.exec();
        },
      },
    };
  }

  async pairWait(account: string, address: string, now: number): Promise<number> {
    const until = Number(await this.redis.hget(this.keys(account, address).pair, 'w').catch((err: unknown) => {
      if (isWrongType(err)) return null;
      throw err;
    }));
    return Number.isFinite(until) ? Math.max(0, Math.min(until - now, this.limits.pairMaxWaitMs)) : 0;
  }

  async forgetAccount(account: string): Promise<void> {
    const keys = this.keys(account, '');
    const pairs = await this.redis.smembers(keys.pairs).catch((err: unknown) => {
      if (isWrongType(err)) return [];
      throw err;
    });
    // The pairs' keys were stored as Redis saw them, with this client's key prefix: strip it. Only
    // this account's pair keys are forgotten: a member naming any other key is junk.
    const prefix = this.redis.options.keyPrefix ?? '';
    const own = pairs.map((k) => (k.startsWith(prefix) ? k.slice(prefix.length) : k)).filter((k) => k.startsWith(keys.pair) && !/[:|]/.test(k.slice(keys.pair.length)));
    await this.redis.del(keys.account, keys.slow, keys.pairs, ...own);
  }

  private keys(account: string, address: string) {
    const t = redisKeys.throttle;
    return {
      pair: t.pair(account, address),
      address: t.address(address),
      account: t.account(account),
      slow: t.slow(account),
      trusted: t.trusted(account, address),
      pairs: t.pairs(account),
    };
  }
}
