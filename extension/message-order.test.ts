import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { SequencedMessage, ServerMessage } from '../shared/messages';
import { areas, resetFake } from './fake-browser';
import { MessageOrder, numberAfresh } from './message-order';

vi.mock('./browser-api', () => import('./fake-browser'));

type Hello = Extract<ServerMessage, { type: 'hello' }>;
const hello = (seq: number, epoch = 'e1'): Hello => ({ type: 'hello', seq, epoch, agent: { extenUser: 'A1', name: 'Dana' }, heartbeatMs: 20_000, clickToCall: false });
const call = (seq: number, ivrid: string, state = 'ringing') => ({ type: 'call', seq, call: { ivrid, state } }) as unknown as SequencedMessage;

function setup() {
  const sent: unknown[] = [];
  const processed: { seq: number; over: string[] }[] = [];
  const order = new MessageOrder({
    send: (message) => sent.push(message),
    process: (message, over) => {
      processed.push({ seq: message.seq, over: [...over] });
      return Promise.resolve();
    },
    stillOpen: () => Promise.resolve(['open-call']),
  });
  return { order, sent, processed };
}

describe('MessageOrder', () => {
  beforeEach(resetFake);

  it('on a first hello asks for nothing, keeps the epoch and number, and counts arrivals from it', async () => {
    const { order, sent } = setup();
    expect(await order.hello(hello(7))).toBe(7);
    expect(sent).toEqual([]);
    expect(Object.fromEntries(areas.local)).toMatchObject({ epoch: 'e1', lastSeq: 7 });
  });

  it('after being away resumes from where it stopped, and processes the replay whole, in order', async () => {
    areas.local.set('epoch', 'e1').set('lastSeq', 3).set('lastMessageAt', 1_000);
    const { order, sent, processed } = setup();
    expect(await order.hello(hello(6))).toBeNull();
    expect(sent).toEqual([{ type: 'resume', epoch: 'e1', seq: 3, since: 1_000, open: ['open-call'] }]);
    await order.numbered(call(5, 'b', 'ended'));
    await order.numbered(call(4, 'b'));
    expect(processed).toEqual([]);
    await order.numbered(call(6, 'c'));
    // The replay ends call b: its ringing view is processed as over, never shown.
    expect(processed).toEqual([
      { seq: 4, over: ['b'] },
      { seq: 5, over: ['b'] },
      { seq: 6, over: ['b'] },
    ]);
    expect(areas.local.get('lastSeq')).toBe(6);
  });

  it('sends the relay nothing for messages processed in order (no acknowledgement)', async () => {
    const { order, sent, processed } = setup();
    await order.hello(hello(0));
    for (const seq of [1, 2, 3]) await order.numbered(call(seq, `c${seq}`));
    // One already processed (a replay overlapping what came live) is dropped, silently too.
    await order.numbered(call(2, 'c2'));
    expect(processed.map((p) => p.seq)).toEqual([1, 2, 3]);
    expect(sent).toEqual([]);
  });

  it('holds a message ahead of a gap and asks once to resume', async () => {
    const { order, sent, processed } = setup();
    await order.hello(hello(0));
    await order.numbered(call(2, 'b'));
    await order.numbered(call(3, 'c'));
    expect(sent).toEqual([{ type: 'resume', epoch: 'e1', seq: 0, since: 0, open: ['open-call'] }]);
    await order.numbered(call(1, 'a'));
    expect(processed.map((p) => p.seq)).toEqual([1, 2, 3]);
  });

  it('goes on after a resync\'s number, with what waited processed first', async () => {
    const { order, processed } = setup();
    await order.hello(hello(0));
    await order.numbered(call(5, 'e'));
    await order.resync(4);
    expect(processed.map((p) => p.seq)).toEqual([5]);
    expect(areas.local.get('lastSeq')).toBe(5);
  });

  it('counts arrivals in order only from the handled hello on, and never across a gap', () => {
    const { order } = setup();
    expect(order.arrived(call(1, 'a'))).toBe(false);
    order.countArrivalsFrom(0);
    expect(order.arrived(call(1, 'a'))).toBe(true);
    expect(order.arrived(call(3, 'c'))).toBe(false);
    expect(order.arrived(call(4, 'd'))).toBe(false);
    order.countArrivalsFrom(4);
    expect(order.arrived(hello(4))).toBe(false);
    expect(order.arrived(call(5, 'e'))).toBe(false);
  });

  it('runs queued work one at a time, in order, going on after a failure', async () => {
    const { order } = setup();
    const done: string[] = [];
    const error = vi.spyOn(console, 'error').mockImplementation(() => {});
    order.serially(async () => {
      await Promise.resolve();
      done.push('first');
    });
    order.serially(() => Promise.reject(new Error('broken')));
    order.serially(() => Promise.resolve(void done.push('third')));
    await order.settled();
    expect(done).toEqual(['first', 'third']);
    expect(error).toHaveBeenCalledOnce();
    error.mockRestore();
  });

  it('forgets the numbering when the session ends, and a new sign-in starts from nothing', async () => {
    areas.local.set('epoch', 'e1').set('lastSeq', 9).set('lastMessageAt', 5);
    const { order } = setup();
    await order.forget();
    expect(Object.fromEntries(areas.local)).toEqual({ epoch: '', lastSeq: 0, lastMessageAt: 0 });
    areas.local.set('lastSeq', 9);
    await numberAfresh();
    expect(areas.local.get('lastSeq')).toBe(0);
  });
});
