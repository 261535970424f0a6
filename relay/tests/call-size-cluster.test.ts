import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CALL_LIMITS } from '../calls/call-state';
import { keys } from '../cluster/keys';
import { AgentClient, popup, signIn, startRelay, type TestRelay } from './helpers';
import { clusterServices } from './per-test';

/**
 * One call flooded with stations, its requests shared by two relays through Redis: the limits hold
 * there too (a 422 CALL_TOO_LARGE from whichever relay takes the request), and what changed nothing
 * does not stay in the call's list — a flood of it pushed the call's hang-up past what is read back.
 */
const { database, redis, ready } = await clusterServices();
const prefix = `${redis?.prefix}size:`;
const env = { RELAY_DATABASE_URL: database?.url ?? '', RELAY_REDIS_URL: redis?.url ?? '', RELAY_REDIS_PREFIX: prefix };
const OVER = 100;

describe.skipIf(!ready)('one call flooded with stations, on two relays', () => {
  let a: TestRelay;
  let b: TestRelay;
  let raw: Redis;
  beforeAll(async () => {
    a = await startRelay(env);
    b = await startRelay(env);
    raw = new Redis(redis!.url, { keyPrefix: prefix, lazyConnect: true });
    await raw.connect();
  });
  afterAll(async () => {
    raw?.disconnect();
    await a?.stop();
    await b?.stop();
  });

  it(`takes ${CALL_LIMITS.stations} stations from either relay, refuses the rest 422 CALL_TOO_LARGE, keeps no retry in the list, and the call still ends`, async () => {
    await a.agents.add('in-0', 'First', 'pw-first');
    const first = await AgentClient.connect(b, await signIn(b, 'in-0', 'pw-first'));
    const ring = (relay: TestRelay, i: number) => popup(relay, { ivrid: 'flood-c', extenUser: `in-${i}`, phone: '0501234567', status: 'Ringing', direction: 'Incoming' });
    const statuses = new Map<number, number>();
    for (let i = 0; i < CALL_LIMITS.stations + OVER; i++) {
      const answer = await ring(i % 2 ? b : a, i);
      statuses.set(answer.status, (statuses.get(answer.status) ?? 0) + 1);
      if (i >= CALL_LIMITS.stations) expect(answer.body).toMatchObject({ STATUS: 'ERROR', CODE: 'CALL_TOO_LARGE' });
    }
    expect(Object.fromEntries(statuses)).toEqual({ 200: CALL_LIMITS.stations, 422: OVER });
    // Retries of a phase a station has: answered, and not kept.
    for (let i = 0; i < 50; i++) expect((await ring(i % 2 ? a : b, 0)).status).toBe(200);
    expect(await raw.llen(keys.call('flood-c'))).toBe(CALL_LIMITS.stations);
    expect(await a.calls.stations('flood-c')).toHaveLength(CALL_LIMITS.stations);

    await first.next((m) => m.type === 'call' && m.call.ivrid === 'flood-c' && m.call.state === 'ringing');
    expect((await popup(a, { ivrid: 'flood-c', extenUser: 'in-0', phone: '0501234567', status: 'Hangup', direction: 'Incoming' })).status).toBe(200);
    await first.next((m) => m.type === 'call' && m.call.ivrid === 'flood-c' && m.call.state === 'ended');
    first.close();
  }, 120_000);
});
