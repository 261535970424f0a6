import { pino } from 'pino';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { parseCallEvent } from '../../shared/call-event';
import { parsePhone } from '../../shared/phone';
import { Agents } from '../accounts/agents';
import { SqliteCallLog, type CallLogStore } from '../calls/call-log-store';
import { CallLogSearch } from '../calls/call-log-search';
import { CallTracker } from '../calls/call-tracker';
import { PostgresCallLog } from '../calls/postgres-call-log';
import type { Store } from '../platform/store';
import { emptyStore, ENGINES, freshPostgres } from './services';

/** The console's call log read the same on the embedded file and on PostgreSQL: agents by name, when calls ended, how long they rang and talked. */
const database = await freshPostgres();
afterAll(async () => {
  await database?.drop();
});
const silent = pino({ level: 'silent' });

describe.each(ENGINES)('the call log on %s', (engine) => {
  let store: Store;
  let log: CallLogStore & { close?: () => void };
  afterEach(async () => {
    log?.close?.();
    await store?.close();
  });

  /** A store with three agents, a call tracker writing its log, and the console's search on it. */
  const open = async (skip: (note: string) => void) => {
    const opened = await emptyStore(engine, database);
    if (!opened) skip('PostgreSQL is not reachable');
    store = opened!;
    log = store.sqlite ? new SqliteCallLog(store.sqlite) : new PostgresCallLog(store.sql, { log: silent });
    const agents = new Agents(store.sql, 3_600_000);
    for (const [extenUser, name] of [['A1', 'Dana Cohen'], ['A2', 'Avi Levi'], ['A3', 'נועה בר']]) await agents.add(extenUser!, name!, 'a-password');
    const tracker = new CallTracker(log);
    const record = async (fields: Record<string, unknown>, now: number) => {
      const parsed = parseCallEvent({ phone: '0501234567', direction: 'Incoming', ...fields });
      if (!parsed.ok) throw new Error(parsed.error);
      await (await tracker.record(parsed.event, parsePhone(parsed.event.phone, 'IL'), 'json', now)).committed;
    };
    const search = new CallLogSearch(store.sql, () => log.flush(), { country: 'IL', suffixDigits: 9, lineName: (did) => (did === '037654321' ? 'Sales' : '') });
    return { record, search, ids: async (agent: string) => (await search.find({ agent })).map((c) => c.ivrid) };
  };

  it('finds the calls of an agent by its extension user or any part of its name, in any case', async ({ skip }) => {
    const { record, search, ids } = await open(skip);
    await record({ ivrid: 'q1', extenUser: 'A1', status: 'Ringing' }, 1_000);
    await record({ ivrid: 'q1', extenUser: 'A2', status: 'Ringing' }, 1_000);
    await record({ ivrid: 't1', extenUser: 'A2', status: 'Ringing' }, 100_000);
    await record({ ivrid: 'h1', extenUser: 'A3', status: 'Ringing' }, 200_000);
    expect(await ids('dana')).toEqual(['q1']);
    expect(await ids('  DANA COH ')).toEqual(['q1']);
    expect(await ids('Levi')).toEqual(['t1', 'q1']);
    expect(await ids('a2')).toEqual(['t1', 'q1']);
    expect(await ids('נועה')).toEqual(['h1']);
    // Words in another order, and the signs LIKE reads, match nothing.
    expect(await ids('Levi Avi')).toEqual([]);
    expect(await ids('%')).toEqual([]);
    expect(await ids('_')).toEqual([]);
    const [q1] = await search.find({ agent: 'dana' });
    expect(q1!.agents).toEqual([{ extenUser: 'A1', name: 'Dana Cohen' }, { extenUser: 'A2', name: 'Avi Levi' }]);
  });

  it('ends a missed call with its last station, and counts ring and talk seconds; the line by its name', async ({ skip }) => {
    const { record, search } = await open(skip);
    await record({ ivrid: 'q1', extenUser: 'A1', status: 'Ringing' }, 1_000);
    await record({ ivrid: 'q1', extenUser: 'A2', status: 'Ringing' }, 1_000);
    await record({ ivrid: 'q1', extenUser: 'A1', status: 'Hangup', cause: 'NO ANSWER' }, 21_000);
    // Still ringing at A2: not missed yet, and not over.
    expect(await search.find({ missed: true })).toEqual([]);
    expect((await search.find({}))[0]).toMatchObject({ ivrid: 'q1', outcome: 'in progress', endedAt: null, ringSeconds: null, talkSeconds: null });
    await record({ ivrid: 'q1', extenUser: 'A2', status: 'Hangup', cause: 'NO ANSWER' }, 31_000);
    expect(await search.find({ missed: true })).toMatchObject([{ ivrid: 'q1', outcome: 'missed', endedAt: 31_000, ringSeconds: 30, talkSeconds: 0 }]);

    await record({ ivrid: 't1', extenUser: 'A2', status: 'Ringing', did: '037654321' }, 100_000);
    await record({ ivrid: 't1', extenUser: 'A2', status: 'Talking' }, 108_000);
    expect((await search.find({ agent: 'avi' }))[0]).toMatchObject({ ivrid: 't1', outcome: 'answered', ringSeconds: 8, talkSeconds: null, endedAt: null });
    await record({ ivrid: 't1', extenUser: 'A2', status: 'Hangup', cause: 'NORMAL' }, 168_000);
    expect((await search.find({ agent: 'avi' }))[0]).toMatchObject({ ivrid: 't1', did: '037654321', line: 'Sales', answeredBy: 'A2', endedAt: 168_000, ringSeconds: 8, talkSeconds: 60 });
  });
});
