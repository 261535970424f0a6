import { parse as parseCsv } from 'csv-parse/sync';
import { pino } from 'pino';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { LoggedCall } from '../../shared/console';
import { csvRecord } from '../calls/call-log-csv';
import { SqliteCallLog, writeBatch, type CallLogStore, type CallRow } from '../calls/call-log-store';
import { CallLogSearch } from '../calls/call-log-search';
import { PostgresCallLog } from '../calls/postgres-call-log';
import type { Store } from '../platform/store';
import { Console, PASSWORD } from './console-client';
import { popup, startRelay, type TestRelay } from './helpers';
import { emptyStore, ENGINES, freshPostgres } from './services';

/** 99999999999999 seconds: the year 5138 in ms is past what a Date can hold ("Invalid time value"). */
const FAR = 99999999999999;
const HOUR = 3_600_000;

describe('Voicenter times far from the arrival, on a real relay', () => {
  let relay: TestRelay;
  let c: Console;
  beforeEach(async () => {
    relay = await startRelay();
    await relay.admins.setPassword('admin', PASSWORD);
    c = await Console.signIn(relay);
  });
  afterEach(() => relay.stop());

  const logged = async (ivrid: string) => ((await c.call('/calls')).body as LoggedCall[]).find((r) => r.ivrid === ivrid);

  it('callAnswered=99999999999999: the call log and its CSV answer 200, answered when the answer arrived', async () => {
    const before = Date.now();
    expect((await popup(relay, { ivrid: 'far-1', extenUser: 'A1', phone: '0722776772', status: 'Ringing' })).status).toBe(200);
    expect((await popup(relay, { ivrid: 'far-1', extenUser: 'A1', status: 'Talking', callAnswered: FAR })).status).toBe(200);
    // The same in the JSON answer's own shape (currentCall).
    expect((await popup(relay, { ivrid: 'far-2', extenUser: 'A1', status: 'Talking', currentCall: { callAnswered: String(FAR), callStarted: FAR } })).status).toBe(200);
    const after = Date.now();
    for (const path of ['/calls.csv', '/calls.csv?tz=Asia/Jerusalem', `/calls.csv?from=${new Date().toISOString().slice(0, 10)}`]) {
      const res = await c.call(path);
      expect(res.status).toBe(200);
      const rows = parseCsv<Record<string, string>>(res.text, { bom: true, columns: true });
      expect(rows.map((r) => r.ivrid).sort()).toEqual(['far-1', 'far-2']);
      for (const row of rows) expect(row.answeredAt).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/);
    }
    const far1 = await logged('far-1');
    expect(far1!.answeredAt).toBeGreaterThanOrEqual(before);
    expect(far1!.answeredAt).toBeLessThanOrEqual(after);
    const far2 = await logged('far-2');
    expect(far2!.startedAt).toBeGreaterThanOrEqual(before);
    expect(far2!.startedAt).toBeLessThanOrEqual(after);
  });

  it('a far-future callStarted dates the call at its arrival: it is pruned with the others once past the retention', async () => {
    const before = Date.now();
    await popup(relay, { ivrid: 'ahead-1', extenUser: 'A1', phone: '0722776772', status: 'Ringing', callStarted: Math.floor(before / 1000) + 365 * 86_400 });
    await popup(relay, { ivrid: 'now-1', extenUser: 'A1', phone: '0722776772', status: 'Ringing' });
    expect((await logged('ahead-1'))!.startedAt).toBeLessThanOrEqual(Date.now());
    // Nothing is past a retention that began before these calls…
    expect(await relay.calls.prune(before - HOUR)).toBe(0);
    // …and both go once it has passed them.
    expect(await relay.calls.prune(Date.now() + 1)).toBe(2);
    expect((await c.call('/calls')).body).toEqual([]);
  });

  it('a row of the year 5138 already in the log: the call log, its search and its CSV answer 200', async () => {
    const now = Date.now();
    await writeBatch(relay.sql, [{
      call: { ivrid: 'kept-5138', direction: 'incoming', phone_raw: '0722776772', e164: '+972722776772', phone_local: '0722776772', caller_name: '', did: '', started_at: FAR * 1000, answered_at: FAR * 1000, answered_by: 'A1', ended_at: null, cause: '', identity: '{', updated_at: now },
      events: [{ exten_user: 'A1', phase: 'talking', status: 'Talking', cause: '', format: 'json', received_at: now }],
    }]);
    for (const path of ['/calls', '/calls?agent=A1', '/calls?number=0722776772', '/calls.csv', '/calls.csv?agent=A1&tz=Asia/Jerusalem']) expect((await c.call(path)).status, path).toBe(200);
    expect(await logged('kept-5138')).toMatchObject({ startedAt: now, answeredAt: now, identity: null });
  });
});

const database = await freshPostgres();
afterAll(async () => {
  await database?.drop();
});
const silent = pino({ level: 'silent' });

describe.each(ENGINES)('rows written before times were checked, on %s', (engine) => {
  let store: Store;
  let log: CallLogStore & { close?: () => void };
  afterEach(async () => {
    log?.close?.();
    await store?.close();
  });

  const written = Date.UTC(2026, 10, 27, 9);
  const row = (ivrid: string, times: Partial<CallRow>): CallRow => ({
    ivrid, direction: 'incoming', phone_raw: '0722776772', e164: '+972722776772', phone_local: '0722776772', caller_name: '', did: '',
    started_at: written - 60_000, answered_at: null, answered_by: null, ended_at: null, cause: '', identity: null, updated_at: written, ...times,
  });

  const open = async (skip: (note: string) => void) => {
    const opened = await emptyStore(engine, database);
    if (!opened) skip('PostgreSQL is not reachable');
    store = opened!;
    log = store.sqlite ? new SqliteCallLog(store.sqlite) : new PostgresCallLog(store.sql, { log: silent });
    await writeBatch(store.sql, [
      { call: row('y5138', { started_at: FAR * 1000, answered_at: FAR * 1000, answered_by: 'A1', ended_at: FAR * 1000 + 5 }), events: [{ exten_user: 'A1', phase: 'ringing', status: 'Ringing', cause: '', format: 'json', received_at: written - 60_000 }] },
      { call: row('answered-ahead', { answered_at: written + 30 * 86_400_000, answered_by: 'A1', identity: 'not json {' }), events: [] },
      { call: row('plain', { answered_at: written - 50_000, answered_by: 'A1', ended_at: written }), events: [] },
    ]);
    return new CallLogSearch(store.sql, () => log.flush());
  };

  it('lists and exports every one, a time no call can have shown as when the row was written', async ({ skip }) => {
    const search = await open(skip);
    const calls = await search.find({});
    const by = new Map(calls.map((r) => [r.ivrid, r]));
    expect(by.get('y5138')).toMatchObject({ startedAt: written, answeredAt: written, endedAt: written, ringSeconds: 0, talkSeconds: 0, stations: ['A1'] });
    expect(by.get('answered-ahead')).toMatchObject({ startedAt: written - 60_000, answeredAt: written, ringSeconds: 60, identity: null, outcome: 'answered' });
    expect(by.get('plain')).toMatchObject({ startedAt: written - 60_000, answeredAt: written - 50_000, endedAt: written, ringSeconds: 10, talkSeconds: 50 });
    for (const zone of ['UTC', 'Asia/Jerusalem']) {
      for (const call of calls) {
        const [started, answered, ended] = csvRecord(call, zone).slice(10, 13);
        expect(started).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/);
        for (const cell of [answered, ended]) expect(cell).toMatch(/^(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d)?$/);
      }
    }
    expect((await search.find({ agent: 'A1' })).map((r) => r.ivrid)).toEqual(['y5138']);
  });

  it('prunes a row dated far ahead once it was last written before the retention, not while it is within it', async ({ skip }) => {
    await open(skip);
    expect(await log.prune(written - HOUR)).toBe(0);
    expect(await log.prune(written + 1)).toBe(3);
    expect(await store.sql.all('SELECT ivrid FROM calls')).toEqual([]);
    expect(await store.sql.all('SELECT ivrid FROM call_events')).toEqual([]);
  });
});
