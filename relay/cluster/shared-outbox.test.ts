import { Redis } from 'ioredis';
import { pino } from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { UNKNOWN } from '../../shared/messages';
import { freshRedis } from '../tests/services';
import { SharedOutbox } from './shared-outbox';

const redis = await freshRedis();
// As the relay connects (connectRedis): lazily, so the outbox's own reading connection connects itself.
const client = redis ? new Redis(redis.url, { keyPrefix: redis.prefix, lazyConnect: true }) : null;
await client?.connect();
afterAll(async () => {
  client?.disconnect();
  await redis?.drop();
});

const identity = (ivrid: string) => ({ type: 'identity' as const, ivrid, identity: UNKNOWN });

describe.skipIf(!redis)('the outbox every relay shares', () => {
  it('replays only what follows without a gap: a missing number is a resync (the extension would wait for it for good)', async () => {
    const outbox = await SharedOutbox.open(client!, 60_000, pino({ level: 'silent' }));
    for (const ivrid of ['a', 'b', 'c']) await outbox.add(3, identity(ivrid));
    expect((await outbox.since(3, 0))?.map((json) => (JSON.parse(json) as { seq: number }).seq)).toEqual([1, 2, 3]);
    const [, second] = (await client!.xrange('out:3', '-', '+')) as [string, string[]][];
    await client!.xdel('out:3', second![0]);
    expect(await outbox.since(3, 0)).toBeNull();
    expect(await outbox.since(3, 2)).toHaveLength(1);
    // A number that is not one in Redis is taken as none.
    await client!.set('seq:4', 'junk');
    expect(await outbox.last(4)).toBe(0);
    // (Started and stopped at once: its reading connection is closed.)
    outbox.start(() => undefined)();
  });
});
