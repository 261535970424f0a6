import { pino } from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { parseCallEvent } from '../../shared/call-event';
import { parsePhone } from '../../shared/phone';
import { CallLogSearch } from '../calls/call-log-search';
import type { Call } from '../calls/call';
import { CallTracker } from '../calls/call-tracker';
import { PostgresCallLog } from '../calls/postgres-call-log';
import { openStore } from '../platform/store';
import { eventually } from './helpers';
import { emptyStore, freshPostgres } from './services';
import { tcpProxy } from './tcp-proxy';

/**
 * The call log on PostgreSQL: written in batches, searched like the embedded one, and kept while
 * the database cannot be reached — cut with a TCP proxy in front of the machine's server.
 */
const database = await freshPostgres();
afterAll(async () => {
  await database?.drop();
});
const silent = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });

function event(fields: Record<string, unknown>) {
  const r = parseCallEvent({ phone: '0722776772', ...fields });
  if (!r.ok) throw new Error(r.error);
  return r.event;
}

describe('the call log on PostgreSQL', () => {
  it('writes calls in batches and finds them as the embedded log does', async ({ skip }) => {
    const store = await emptyStore('postgres', database);
    if (!store) return skip('PostgreSQL is not reachable');
    const log = new PostgresCallLog(store.sql, { log: silent });
    const calls = new CallTracker(log);
    try {
      const record = async (fields: Record<string, unknown>, now: number) => {
        const e = event(fields);
        return (await calls.record(e, parsePhone(e.phone, 'IL'), 'json', now)).committed;
      };
      // Many requests at once: one transaction per batch, none lost, the calls merged.
      await Promise.all(Array.from({ length: 300 }, (_, i) => record({ ivrid: `b-${i}`, extenUser: 'A1', status: 'Ringing', phone: `05${String(i).padStart(8, '0')}` }, 1_000 + i)));
      await record({ ivrid: 'b-7', extenUser: 'A1', status: 'Talking' }, 5_000);
      await record({ ivrid: 'b-8', status: 'Hangup', cause: 'Normal hangup' }, 6_000);
      const search = new CallLogSearch(store.sql, () => log.flush());
      expect(await search.find({ limit: 1000 })).toHaveLength(300);
      expect(await search.find({ number: '050-000-0007' })).toMatchObject([{ ivrid: 'b-7', outcome: 'answered', answeredBy: 'A1', stations: ['A1'] }]);
      expect((await search.find({ missed: true })).map((c) => c.ivrid)).toEqual(['b-8']);
      expect(await search.find({ agent: 'nobody' })).toEqual([]);
      expect(log.pending()).toBe(0);
    } finally {
      log.close();
      await store.close();
    }
  });

  it('keeps writing while PostgreSQL is away: Voicenter answered, the calls kept, then all written when it is back', async ({ skip }) => {
    if (!database) return skip('PostgreSQL is not reachable');
    const target = new URL(database.url);
    const proxy = await tcpProxy(target.hostname, Number(target.port || 5432));
    const store = await openStore({ RELAY_DATA_DIR: '', RELAY_DATABASE_URL: proxy.url(database.url) });
    const log = new PostgresCallLog(store.sql, { log: silent });
    const calls = new CallTracker(log);
    try {
      await store.sql.run("DELETE FROM calls WHERE ivrid LIKE 'away-%'");
      proxy.cut();
      // Every request is answered (its promise settles) although nothing reaches the database.
      await Promise.all(
        Array.from({ length: 50 }, async (_, i) => {
          const e = event({ ivrid: `away-${i}`, extenUser: 'A1', status: 'Ringing' });
          return (await calls.record(e, parsePhone(e.phone, 'IL'), 'json', 10_000 + i)).committed;
        }),
      );
      expect(log.pending()).toBe(50);
      proxy.restore();
      const written = await eventually(
        () => store.sql.get<{ n: number }>("SELECT count(*) AS n FROM calls WHERE ivrid LIKE 'away-%'").catch(() => ({ n: -1 })),
        (r) => r?.n === 50,
        'the kept calls written',
        20_000,
      );
      expect(written).toEqual({ n: 50 });
      expect(log.pending()).toBe(0);
    } finally {
      log.close();
      await store.close();
      await proxy.close();
    }
  });

  it('keeps at most maxPending requests while away, dropping the oldest and counting them', async ({ skip }) => {
    if (!database) return skip('PostgreSQL is not reachable');
    const target = new URL(database.url);
    const proxy = await tcpProxy(target.hostname, Number(target.port || 5432));
    const store = await openStore({ RELAY_DATA_DIR: '', RELAY_DATABASE_URL: proxy.url(database.url) });
    let dropped = 0;
    const log = new PostgresCallLog(store.sql, { log: silent, maxPending: 10, onDropped: (n) => (dropped += n) });
    try {
      proxy.cut();
      const call = (i: number): Call => ({
        ivrid: `over-${i}`, direction: 'incoming', phone: null, callerName: '', did: '', startedAt: i, cause: '', identity: null, updatedAt: i, events: [],
      });
      // All at once, as a burst of requests would come.
      await Promise.all(Array.from({ length: 25 }, (_, i) => log.write(call(i), [])));
      expect(log.pending()).toBe(10);
      expect(dropped).toBe(15);
      proxy.restore();
      const kept = await eventually(
        () => store.sql.all<{ ivrid: string }>("SELECT ivrid FROM calls WHERE ivrid LIKE 'over-%' ORDER BY started_at").catch(() => []),
        (rows) => rows.length === 10,
        'the newest kept calls written',
        20_000,
      );
      // The newest are kept.
      expect(kept.map((r) => r.ivrid)).toEqual(Array.from({ length: 10 }, (_, i) => `over-${i + 15}`));
    } finally {
      log.close();
      await store.close();
      await proxy.close();
    }
  });

  it('drops only the request PostgreSQL cannot store (a NUL byte), and writes the rest of its batch', async ({ skip }) => {
    const store = await emptyStore('postgres', database);
    if (!store) return skip('PostgreSQL is not reachable');
    let dropped = 0;
    const log = new PostgresCallLog(store.sql, { log: silent, onDropped: (n) => (dropped += n) });
    const calls = new CallTracker(log);
    try {
      await Promise.all(
        ['ok-1', 'bad-1', 'ok-2'].map(async (ivrid) => {
          const e = event({ ivrid, extenUser: 'A1', status: 'Ringing', callerName: ivrid === 'bad-1' ? 'Dana\u0000' : 'Dana' });
          return (await calls.record(e, parsePhone(e.phone, 'IL'), 'json', 1_000)).committed;
        }),
      );
      expect(await store.sql.all('SELECT ivrid FROM calls ORDER BY ivrid')).toEqual([{ ivrid: 'ok-1' }, { ivrid: 'ok-2' }]);
      expect(dropped).toBe(1);
      expect(log.pending()).toBe(0);
    } finally {
      log.close();
      await store.close();
    }
  });
});

