import { describe, expect, it } from 'vitest';
import type { SequencedMessage } from '../shared/messages';
import { endedWithin, InOrder } from './in-order';

const m = (seq: number) => ({ seq });
const seqs = (list: { seq: number }[]) => list.map((x) => x.seq);

describe('InOrder', () => {
  it('holds a live message that overtook the replay of older ones, then processes all in order', () => {
    const order = new InOrder<{ seq: number }>();
    order.reset(true);
    // Processed up to 4; the relay is at 6. Message 7 comes live before the replay of 5 and 6.
    expect(order.take(m(7), 4)).toEqual({ ready: [], askResume: false });
    expect(seqs(order.take(m(5), 4).ready)).toEqual([5]);
    expect(seqs(order.take(m(6), 5).ready)).toEqual([6, 7]);
    // The replay also sends 7 again: already processed.
    expect(order.take(m(7), 7).ready).toEqual([]);
  });

  it('asks the relay to resume once for a gap, and again only for a new one', () => {
    const order = new InOrder<{ seq: number }>();
    expect(order.take(m(3), 1).askResume).toBe(true);
    expect(order.take(m(4), 1).askResume).toBe(false);
    expect(seqs(order.take(m(2), 1).ready)).toEqual([2, 3, 4]);
    expect(order.take(m(9), 4).askResume).toBe(true);
  });

  it('starts afresh after a resync: what waited is processed, and numbering goes on after its number', () => {
    const order = new InOrder<{ seq: number }>();
    order.take(m(30), 10);
    order.take(m(42), 10);
    const { ready, lastSeq } = order.rebase(41, 10);
    expect(seqs(ready)).toEqual([30, 42]);
    expect(lastSeq).toBe(42);
    expect(seqs(order.take(m(43), lastSeq).ready)).toEqual([43]);
  });

  it('holds a replay until its last message (the hello\'s number) is here, then gives it whole', () => {
    const order = new InOrder<{ seq: number }>();
    // Processed up to 1; the hello said 4: the replay is 2 to 4.
    order.reset(true, 4);
    expect(order.take(m(2), 1)).toEqual({ ready: [], askResume: false });
    expect(order.take(m(3), 1)).toEqual({ ready: [], askResume: false });
    expect(seqs(order.take(m(4), 1).ready)).toEqual([2, 3, 4]);
    // After it, each as it comes.
    expect(seqs(order.take(m(5), 4).ready)).toEqual([5]);
  });

  it('gives a replay whole with a live message that overtook it', () => {
    const order = new InOrder<{ seq: number }>();
    order.reset(true, 6);
    expect(order.take(m(7), 4)).toEqual({ ready: [], askResume: false });
    expect(order.take(m(5), 4)).toEqual({ ready: [], askResume: false });
    expect(seqs(order.take(m(6), 4).ready)).toEqual([5, 6, 7]);
  });
});

describe('endedWithin', () => {
  const call = (seq: number, ivrid: string, state: string) => ({ type: 'call', seq, call: { ivrid, state } }) as unknown as SequencedMessage;
  it('names the calls that a message among them ends', () => {
    const identity = { type: 'identity', seq: 5, ivrid: 'b' } as unknown as SequencedMessage;
    expect(endedWithin([call(1, 'a', 'ringing'), call(2, 'b', 'ringing'), call(3, 'a', 'ended'), call(4, 'c', 'talking'), identity])).toEqual(new Set(['a']));
  });
});
