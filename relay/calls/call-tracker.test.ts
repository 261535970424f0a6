import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { parseCallEvent, type CallEvent } from '../../shared/call-event';
import { UNKNOWN } from '../../shared/messages';
import { parsePhone } from '../../shared/phone';
import { CallTracker } from './call-tracker';
import { openDatabase, type DB } from '../platform/db';
import { SqliteCallLog } from './call-log-store';

let db: DB;
let book: CallTracker;
let commits: SqliteCallLog;

function event(fields: Record<string, unknown>): CallEvent {
  const r = parseCallEvent({ ivrid: 'c1', phone: '0722776772', ...fields });
  if (!r.ok) throw new Error(r.error);
  return r.event;
}
/** One request recorded by `tracker`, its log write committed. */
const recordOn = async (tracker: CallTracker, fields: Record<string, unknown>, now: number) => {
  const e = event(fields);
  const recorded = await tracker.record(e, parsePhone(e.phone, 'IL'), 'json', now);
  // What the relay awaits before answering Voicenter: the log on disk.
  commits.flush().catch((err: unknown) => expect.unreachable(String(err)));
  return recorded;
};
const record = (fields: Record<string, unknown>, now = 1_000) => recordOn(book, fields, now);

beforeEach(() => {
  db = openDatabase(mkdtempSync(join(tmpdir(), 'calls-')));
  commits = new SqliteCallLog(db);
  book = new CallTracker(commits);
});

describe('CallTracker', () => {
  it('lists open calls for the console: a queue call follows its answer, ends with its hang-up', async () => {
    await record({ extenUser: 'A', status: 'Ringing' });
    await record({ extenUser: 'B', status: 'Ringing' });
    expect(await book.openCalls(2_000)).toMatchObject([{ ivrid: 'c1', state: 'ringing', stations: [{ extenUser: 'A', state: 'ringing' }, { extenUser: 'B', state: 'ringing' }] }]);
    await record({ extenUser: 'B', status: 'Talking' });
    expect(await book.openCalls(2_000)).toMatchObject([{ state: 'talking', answeredByStation: 'B', stations: [{ extenUser: 'B', state: 'talking' }] }]);
    await record({ extenUser: 'B', status: 'Hangup', cause: 'NORMAL' });
    expect(await book.openCalls(2_000)).toEqual([]);
  });

  it('stops listing a call whose hang-up never came, after 12 hours', async () => {
    await record({ ivrid: 'lost', extenUser: 'A', status: 'Ringing' }, 1_000);
    expect((await book.openCalls(1_000 + 12 * 3_600_000)).map((c) => c.ivrid)).toEqual(['lost']);
    expect(await book.openCalls(1_001 + 12 * 3_600_000)).toEqual([]);
  });

  it('follows hold and back to talking (a phase may come again after another)', async () => {
    await record({ extenUser: 'A', status: 'Ringing' });
    const states: (string | undefined)[] = [];
    for (const status of ['Talking', 'Hold', 'Talking', 'Hold']) states.push((await record({ extenUser: 'A', status })).changed[0]?.view.state);
    expect(states).toEqual(['talking', 'hold', 'talking', 'hold']);
  });

  it('ignores a late ringing retry after the answer', async () => {
    await record({ extenUser: 'A', status: 'Ringing' });
    await record({ extenUser: 'A', status: 'Talking' });
    expect(await record({ extenUser: 'A', status: 'Ringing' })).toMatchObject({ duplicate: true, changed: [] });
  });

  it('reads a call back from the log when it is no longer in memory', async () => {
    await record({ extenUser: 'A', status: 'Ringing' });
    await record({ extenUser: 'A', status: 'Talking' });
    const fresh = new CallTracker(commits);
    expect((await fresh.views('c1')).get('A')).toMatchObject({ state: 'talking', answeredBy: 'me' });
    expect(await fresh.stations('c1')).toEqual(['A']);
  });

  it('ends the call for every station on a hang-up that names none', async () => {
    await record({ extenUser: 'A', status: 'Ringing' });
    await record({ extenUser: 'B', status: 'Ringing' });
    const { changed } = await record({ status: 'Hangup', cause: 'Normal hangup' }, 2_000);
    expect(changed.map((c) => [c.extenUser, c.view.state, c.view.endedAt])).toEqual([
      ['A', 'ended', 2_000],
      ['B', 'ended', 2_000],
    ]);
  });

  it('keeps every call and phase in the log, and forgets calls past the retention', async () => {
    await record({ extenUser: 'A', status: 'Ringing', callStarted: 100 });
    await record({ ivrid: 'c2', extenUser: 'A', status: 'Ringing', callStarted: 200 });
    await record({ extenUser: 'A', status: 'Talking' });
    expect(db.prepare('SELECT COUNT(*) AS n FROM call_events').get()).toEqual({ n: 3 });
    expect(await book.prune(150_000)).toBe(1);
    expect(db.prepare('SELECT ivrid FROM calls').all()).toEqual([{ ivrid: 'c2' }]);
    expect(db.prepare('SELECT COUNT(*) AS n FROM call_events').get()).toEqual({ n: 1 });
  });

  it('ends only the stations of a call that went silent, each after its own limit', async () => {
    const limits = { ringingMs: 600_000, talkingMs: 3_600_000 };
    await record({ extenUser: 'A', status: 'Ringing' }, 0);
    await record({ extenUser: 'B', status: 'Ringing' }, 300_000);
    const first = await book.expireStale(700_000, limits);
    expect(first).toMatchObject([{ ivrid: 'c1', changed: [{ extenUser: 'A', view: expect.objectContaining({ state: 'ended', cause: 'no hang-up received', answeredBy: null }) as unknown }] }]);
    expect(await book.openCalls(700_000)).toMatchObject([{ stations: [{ extenUser: 'B', state: 'ringing' }] }]);
    await record({ extenUser: 'B', status: 'Talking' }, 800_000);
    expect(await book.expireStale(800_000 + 3_000_000, limits)).toEqual([]);
    expect((await book.expireStale(800_000 + 3_700_000, limits))[0]!.changed).toMatchObject([{ extenUser: 'B', view: { state: 'ended', answeredBy: 'me' } }]);
    await commits.flush();
    expect(db.prepare("SELECT exten_user, phase, cause, format FROM call_events WHERE format = 'relay' ORDER BY id").all()).toEqual([
      { exten_user: 'A', phase: 'hangup', cause: 'no hang-up received', format: 'relay' },
      { exten_user: 'B', phase: 'hangup', cause: 'no hang-up received', format: 'relay' },
    ]);
    expect(await book.openCalls(10_000_000)).toEqual([]);
  });

  it('a call over at every station leaves memory a while later (bounded by time); a late request still finds it in the log', async () => {
    const short = new CallTracker(commits, () => '', 30);
    const at = (fields: Record<string, unknown>) => recordOn(short, fields, 1_000);
    await at({ ivrid: 'gone', extenUser: 'A', status: 'Ringing' });
    await at({ ivrid: 'still', extenUser: 'A', status: 'Ringing' });
    await at({ ivrid: 'gone', extenUser: 'A', status: 'Hangup', cause: 'NO ANSWER' });
    await commits.flush();
    await expect.poll(async () => (await short.expireStale(2_000, { ringingMs: 3_600_000, talkingMs: 3_600_000 }), short.inMemory())).toBe(1);
    // The open call stays; the ended one comes back from the log for a late request (a duplicate changes nothing).
    expect((await short.openCalls(2_000)).map((c) => c.ivrid)).toEqual(['still']);
    expect((await at({ ivrid: 'gone', extenUser: 'A', status: 'Hangup', cause: 'NO ANSWER' })).duplicate).toBe(true);
    await expect.poll(async () => (await short.expireStale(2_000, { ringingMs: 3_600_000, talkingMs: 3_600_000 }), short.inMemory())).toBe(1);
  });

  it('reads the log only for a call that may be there: never for one never seen', async () => {
    const reads: string[] = [];
    const counted = Object.assign(Object.create(commits) as SqliteCallLog, {
      readNow: (ivrid: string) => (reads.push(ivrid), commits.readNow(ivrid)),
    });
    const now = Date.now();
    // Written before this tracker started (a relay restarted mid-call).
    await record({ ivrid: 'before', extenUser: 'A', status: 'Ringing', callStarted: Math.floor(now / 1000) }, now);
    await commits.flush();
    const tracker = new CallTracker(counted, () => '', 30);
    const at = (fields: Record<string, unknown>) => recordOn(tracker, fields, now);
    await at({ ivrid: 'new1', extenUser: 'A', status: 'Ringing' });
    await at({ ivrid: 'new2', extenUser: 'B', status: 'Ringing' });
    await at({ ivrid: 'new1', extenUser: 'A', status: 'Hangup', cause: 'NO ANSWER' });
    expect(reads).toEqual([]);
    expect((await at({ ivrid: 'before', extenUser: 'A', status: 'Talking' })).changed).toMatchObject([{ extenUser: 'A', view: { state: 'talking' } }]);
    expect(reads).toEqual(['before']);
    // new1 is over: it leaves memory, and a late request for it reads it back.
    await expect.poll(async () => (await tracker.expireStale(now, { ringingMs: 3_600_000, talkingMs: 3_600_000 }), tracker.inMemory())).toBe(2);
    expect((await at({ ivrid: 'new1', extenUser: 'A', status: 'Hangup', cause: 'NO ANSWER' })).duplicate).toBe(true);
    expect(reads).toEqual(['before', 'new1']);
  });

  it('a call written twice in one turn is one row (the newest), with every event in order', async () => {
    const now = 5_000;
    const e = event({ ivrid: 'twice', extenUser: 'A', status: 'Ringing' });
    const recorded = book.record(e, parsePhone(e.phone, 'IL'), 'json', now);
    const found = book.setIdentity('twice', { ...UNKNOWN, status: 'found', name: 'Dana', source: 'directory', how: 'exact', total: 1, id: '7' });
    const e2 = event({ ivrid: 'twice', extenUser: 'B', status: 'Ringing' });
    const again = book.record(e2, parsePhone(e2.phone, 'IL'), 'json', now + 1);
    await Promise.all([(await recorded).committed, found, again]);
    expect(db.prepare("SELECT json_extract(identity, '$.name') AS name FROM calls WHERE ivrid = 'twice'").all()).toEqual([{ name: 'Dana' }]);
    expect(db.prepare("SELECT exten_user FROM call_events WHERE ivrid = 'twice' ORDER BY id").all()).toEqual([{ exten_user: 'A' }, { exten_user: 'B' }]);
  });
});
