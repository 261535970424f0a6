import { describe, expect, it } from 'vitest';
import { UNKNOWN, type Identity } from '../../shared/messages';
import { parsePhone, type Phone } from '../../shared/phone';
import { extensionEvent, extensionStatus, queue, queueEvent, waitingCall } from '../tests/fake-voicenter';
import { RealtimeBoard } from './realtime-board';

/** Queues and phone statuses from the captured greeting, QueueEvents and ExtensionEvents (../shared/VOICENTER-REALTIME.md §1.5). */
const NOW = 1_800_000_000_000;
/** Voicenter's clock is server-local (+120 min in the capture): waits must not depend on it. */
const SERVER_NOW = NOW / 1000 + 7_200;

function board(identify?: (phone: Phone) => Identity | Promise<Identity>) {
  let changes = 0;
  const b = new RealtimeBoard({ country: 'IL', identify, now: () => NOW, onChange: () => changes++ });
  return { b, changes: () => changes };
}

const dana: Identity = { ...UNKNOWN, status: 'found', name: 'Dana Levi', company: 'Acme', total: 1, source: 'directory' };

describe('RealtimeBoard', () => {
  it('reads the queues of loginStatus: callers with the time they have waited, on the relay clock whatever Voicenter\'s', () => {
    const { b } = board();
    expect(b.greeting({ queues: [queue(14520, 'Sales', [waitingCall('iv-1', '0501234567', 95, SERVER_NOW)])], servertime: SERVER_NOW, servertimeoffset: 120 })).toEqual({ ok: true });
    expect(b.queuesView()).toEqual([
      { id: '14520', name: 'Sales', answered: 0, abandoned: 0, callers: [{ ivrid: 'iv-1', phone: parsePhone('0501234567', 'IL'), callerName: 'Queue Testing', joinedAt: NOW - 95_000, identity: null }] },
    ]);
  });

  it('JOIN adds the caller, ANSWER and ABANDONED remove it and are counted, EXIT removes it; the wait is kept from the join', () => {
    const { b, changes } = board();
    b.greeting({ queues: [queue(7, 'Support', [])], servertime: SERVER_NOW });
    b.queueEvent(queueEvent('JOIN', queue(7, 'Support', [waitingCall('a', '0501111111', 10, SERVER_NOW)]), SERVER_NOW));
    b.queueEvent(queueEvent('JOIN', queue(7, 'Support', [waitingCall('a', '0501111111', 10, SERVER_NOW), waitingCall('b', '0502222222', 0, SERVER_NOW + 60)]), SERVER_NOW + 60));
    // (A later state lists "a" again: its join time stays what it was.)
    expect(b.queuesView()[0]!.callers.map((c) => [c.ivrid, c.joinedAt])).toEqual([['a', NOW - 10_000], ['b', NOW]]);
    b.queueEvent(queueEvent('ANSWER', queue(7, 'Support', [waitingCall('b', '0502222222', 0, SERVER_NOW)])));
    b.queueEvent(queueEvent('ABANDONED', queue(7, 'Support', [])));
    b.queueEvent(queueEvent('JOIN', queue(7, 'Support', [waitingCall('c', '0503333333', 0)])));
    b.queueEvent(queueEvent('EXIT', queue(7, 'Support', [])));
    expect(b.queuesView()).toEqual([{ id: '7', name: 'Support', answered: 1, abandoned: 1, callers: [] }]);
    expect(changes()).toBe(7);
  });

  it('finds who each waiting caller is, once per caller, and says so when found', async () => {
    const asked: string[] = [];
    let found!: (i: Identity) => void;
    const { b, changes } = board((phone) => {
      asked.push(phone.e164 ?? '');
      return new Promise<Identity>((resolve) => (found = resolve));
    });
    b.queueEvent(queueEvent('JOIN', queue(7, 'Support', [waitingCall('a', '0501111111')])));
    b.queueEvent(queueEvent('JOIN', queue(7, 'Support', [waitingCall('a', '0501111111')])));
    expect(asked).toEqual(['+972501111111']);
    found(dana);
    await expect.poll(() => b.queuesView()[0]!.callers[0]!.identity).toEqual(dana);
    expect(changes()).toBe(3);
  });

  it('reads the documented and client spellings too (Queues, CallerId, CallerNme)', () => {
    const { b } = board();
    b.greeting({ Queues: [{ QueueID: '9', QueueName: 'Billing', Calls: [{ CallerId: '0504444444', CallerNme: 'Moshe', IvrUniqueID: 'd', JoinTimeStamp: SERVER_NOW - 5 }] }], serverTime: SERVER_NOW });
    expect(b.queuesView()[0]!.callers).toEqual([{ ivrid: 'd', phone: parsePhone('0504444444', 'IL'), callerName: 'Moshe', joinedAt: NOW - 5_000, identity: null }]);
  });

  it('lists only callers whose id keeps the ivrid rule of every source (a path, a line, markup or a key are not ids)', () => {
    const { b } = board();
    const bad = ['a b/c\n../x'.padEnd(256, 'x'), 'v-1:identity', '<b>x</b>', ''];
    b.greeting({ queues: [
      queue(3, 'Q', [...bad.map((id) => waitingCall(id, '0501111111')), waitingCall('20220916103546022555eb61e755c08a', '0502222222')]),
      { QueueID: '4', QueueName: 'R', Calls: [{ ivrid: 'a b', IvrUniqueID: 'good-1', CallerId: '0503333333' }] },
    ] });
    expect(b.queuesView().map((q) => q.callers.map((c) => c.ivrid))).toEqual([['20220916103546022555eb61e755c08a'], ['good-1']]);
  });

  it.each([null, 'JOIN', {}, { reason: 'JOIN' }, { reason: 'JOIN', data: { QueueName: 'no id' } }, { reason: 'JOIN', data: { QueueID: 1, Calls: 'x' } }, { reason: 'TELEPORT', data: { QueueID: 1 } }])(
    'drops the QueueEvent %j with the reason why, and keeps what it knew',
    (payload) => {
      const { b, changes } = board();
      b.greeting({ queues: [queue(1, 'Q', [waitingCall('a', '050')])] });
      const read = b.queueEvent(payload);
      expect(read.ok).toBe(false);
      if (!read.ok) expect(read.why.length).toBeGreaterThan(0);
      expect(b.queuesView()[0]!.callers).toHaveLength(1);
      expect(changes()).toBe(1);
    },
  );

  it('phone statuses: 1 logged in, 2 logged out, anything else a break; from the greeting and every ExtensionEvent', () => {
    const { b, changes } = board();
    b.extensionsGreeting({ extensions: [extensionStatus('alice', 1), extensionStatus('bob', 2), extensionStatus('carol', 5), { extenUser: 'dave' }, 'junk'] });
    expect(b.phoneStatus('alice')).toEqual({ status: 'logged-in', since: NOW });
    expect(b.phoneStatus('bob')?.status).toBe('logged-out');
    expect(b.phoneStatus('carol')?.status).toBe('break');
    expect(b.phoneStatus('dave')).toBeNull();
    const onBreak = extensionEvent('userStatusUpdate', { ivrid: 'x', extenUser: 'alice' }) as { data: { representativeStatus: number } };
    onBreak.data.representativeStatus = 3;
    b.extensionEvent(onBreak);
    expect(b.phoneStatus('alice')?.status).toBe('break');
    // A call event with the same status changes nothing shown.
    b.extensionEvent(extensionEvent('NEWCALL', { ivrid: 'y', extenUser: 'bob' }));
    expect(b.phoneStatus('bob')?.status).toBe('logged-in');
    b.extensionEvent(extensionEvent('ANSWER', { ivrid: 'y', extenUser: 'bob' }));
    b.extensionEvent(null);
    expect(changes()).toBe(3);
  });

  it('forgets everything when the connection is lost, until the next greeting', () => {
    const { b, changes } = board();
    b.greeting({ queues: [queue(1, 'Q', [waitingCall('a', '050')])] });
    b.extensionsGreeting({ extensions: [extensionStatus('alice', 1)] });
    b.forget();
    expect([b.queuesView(), b.phoneStatus('alice')]).toEqual([[], null]);
    b.forget();
    expect(changes()).toBe(3);
  });
});
