import { Redis } from 'ioredis';
import { pino } from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { PENDING, UNKNOWN, type CallView } from '../../shared/messages';
import { freshRedis } from '../tests/services';
import { AwayOutbox, keptViews, mergeViews, type Message } from './away-outbox';

const redis = await freshRedis();
const client = redis ? new Redis(redis.url, { keyPrefix: redis.prefix }) : null;
afterAll(async () => {
  client?.disconnect();
  await redis?.drop();
});

const view = (ivrid: string, state: CallView['state']): CallView => ({
  ivrid, direction: 'incoming', state, phone: { raw: '0722776772', e164: '+972722776772', local: '072-277-6772', withheld: false },
  callerName: '', did: '', line: '', startedAt: 1, answeredAt: null, endedAt: state === 'ended' ? 2 : null, cause: '', answeredBy: null, identity: PENDING,
});
const call = (ivrid: string, state: CallView['state']): Message => ({ type: 'call', call: view(ivrid, state) });
const log = pino({ level: 'silent' });

describe('a relay numbering on its own while Redis is away', () => {
  it('numbers in an epoch of its own, after the last shared number it saw, and keeps each call\'s last view', () => {
    const away = new AwayOutbox(60_000, (agentId) => (agentId === 7 ? 41 : 0));
    const other = new AwayOutbox(60_000, () => 41);
    expect(away.epoch).not.toBe(other.epoch);
    expect(away.outbox.last(7)).toBe(41);
    expect(JSON.parse(away.add(7, call('c1', 'ringing'), 10))).toMatchObject({ seq: 42 });
    away.add(7, { type: 'identity', ivrid: 'c1', identity: UNKNOWN }, 11);
    away.add(7, call('c1', 'ended'), 12);
    away.add(8, call('c2', 'ringing'), 13);
    // The last view of each call, calls before identities.
    expect(away.kept().map((k) => [k.agentId, k.message.type, k.message.type === 'call' ? k.message.call.state : ''])).toEqual([
      [7, 'call', 'ended'],
      [8, 'call', 'ringing'],
      [7, 'identity', ''],
    ]);
    // Redis went away again before it was handed on: the next numbering goes on after it, and keeps what it kept.
    const again = new AwayOutbox(60_000, () => 0, away);
    expect(again.outbox.last(7)).toBe(44);
    expect(again.kept()).toHaveLength(3);
  });

  it('a resync takes the shared view of a call, unless only the kept one has it ended', () => {
    const merged = mergeViews([call('a', 'ringing'), call('b', 'talking')], [call('a', 'ended'), call('b', 'ringing'), call('c', 'ringing')]);
    expect(merged.map((m) => (m.type === 'call' ? `${m.call.ivrid}:${m.call.state}` : m.type))).toEqual(['a:ended', 'b:talking', 'c:ringing']);
  });
});

describe.skipIf(!redis)('handed on when Redis is back', () => {
  it("stores the views for any relay's resync, and leaves the shared numbers as they were; junk there is left out", async () => {
    await client!.set('seq:7', '40');
    const away = new AwayOutbox(60_000, () => 41);
    away.add(7, call('c1', 'ringing'));
    away.add(8, call('c2', 'ringing'));
    await away.settle(client!, 60_000);
    expect(await client!.get('seq:7')).toBe('40');
    expect(Number(await client!.pttl('away:7'))).toBeGreaterThan(0);
    expect(await keptViews(client!, 8, log)).toEqual([call('c2', 'ringing')]);

    await client!.hset('away:7', 'junk', 'not json', 'shape', '{"at":1,"m":{"type":"call"}}', 'ping', '{"at":1,"m":{"type":"ping","time":1}}', 'no-at', JSON.stringify({ m: call('c3', 'ringing') }));
    expect(await keptViews(client!, 7, log)).toEqual([call('c1', 'ringing')]);
    expect(await keptViews(client!, 9, log)).toEqual([]);
  });
});
