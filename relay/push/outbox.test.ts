import { describe, expect, it } from 'vitest';
import { Outbox } from './outbox';

const call = (ivrid: string) => ({ type: 'identity' as const, ivrid, identity: { status: 'unknown' as const, name: '', company: '', url: '', total: 0, id: '', source: '', how: '' } });
const seqs = (json: string[] | null) => json?.map((j) => (JSON.parse(j) as { seq: number }).seq) ?? null;

describe('Outbox', () => {
  it('numbers each agent’s messages 1, 2, 3… and replays exactly those after a given one', () => {
    const outbox = new Outbox(60_000);
    for (let i = 0; i < 3; i++) outbox.add(1, call(`a${i}`), 0);
    outbox.add(2, call('b0'), 0);
    expect(outbox.last(1)).toBe(3);
    expect(seqs(outbox.since(1, 1))).toEqual([2, 3]);
    expect(seqs(outbox.since(1, 3))).toEqual([]);
    expect(seqs(outbox.since(2, 0))).toEqual([1]);
  });

  it('drops messages as they leave the window, at every add, and says a gap cannot be replayed', () => {
    const outbox = new Outbox(1_000);
    outbox.add(1, call('old'), 0);
    outbox.add(1, call('old2'), 500);
    outbox.add(1, call('new'), 1_400);
    expect(outbox.size()).toBe(2);
    // The boundary: seq 1 is gone, so resuming after 0 cannot be complete; after 1 it can.
    expect(outbox.since(1, 0)).toBeNull();
    expect(seqs(outbox.since(1, 1))).toEqual([2, 3]);
  });

  it('sweeps agents who get nothing new', () => {
    const outbox = new Outbox(1_000);
    outbox.add(1, call('x'), 0);
    outbox.add(2, call('y'), 900);
    outbox.prune(1_500);
    expect(outbox.size()).toBe(1);
    expect(outbox.since(1, 0)).toBeNull();
    // Numbering goes on after a sweep.
    expect(JSON.parse(outbox.add(1, call('z'), 1_600))).toMatchObject({ seq: 2 });
  });

  it('keeps at most its count per agent, oldest dropped first', () => {
    const outbox = new Outbox(60_000, 5);
    for (let i = 0; i < 12; i++) outbox.add(1, call(`c${i}`), i);
    expect(outbox.size()).toBe(5);
    expect(outbox.since(1, 6)).toBeNull();
    expect(seqs(outbox.since(1, 7))).toEqual([8, 9, 10, 11, 12]);
  });

  it('forgets other agents\' old messages as new ones come, without a sweep (continuous pruning)', () => {
    const outbox = new Outbox(1_000);
    for (let agent = 1; agent <= 100; agent++) outbox.add(agent, call(`q${agent}`), agent);
    expect(outbox.size()).toBe(100);
    // One message to agent 200 at 1,050: agents 1–49 got theirs before 50 (out of the window).
    outbox.add(200, call('late'), 1_050);
    expect(outbox.size()).toBe(52);
    expect(outbox.since(1, 0)).toBeNull();
    expect(seqs(outbox.since(50, 0))).toEqual([1]);
    // Long after, every add keeps only what is in the window, whoever got it.
    for (let i = 0; i < 10_000; i++) outbox.add(300 + (i % 7), call(`r${i}`), 10_000 + i);
    expect(outbox.size()).toBe(1_001);
  });
});
