import { describe, expect, it } from 'vitest';
import { LeftMemory } from './left-memory';

describe('LeftMemory', () => {
  it('tells the calls that left memory from calls never seen, until they are back', () => {
    const left = new LeftMemory(1_000, 10);
    left.loaded(['from-before-the-start']);
    left.add('gone', 5_000);
    expect(left.mayHold('gone', 5_000)).toBe(true);
    expect(left.mayHold('from-before-the-start', 5_000)).toBe(true);
    expect(left.mayHold('never-seen', 5_000)).toBe(false);
    left.back('gone');
    expect(left.mayHold('gone', 5_000)).toBe(false);
  });

  it('forgets a call that left longer ago than its window', () => {
    const left = new LeftMemory(1_000, 10);
    left.add('old', 1_000);
    left.add('new', 2_500);
    expect(left.mayHold('old', 2_500)).toBe(false);
    expect(left.mayHold('new', 2_500)).toBe(true);
  });

  it('past its capacity, takes every call as possibly in the log until the forgotten ones would have aged out', () => {
    const left = new LeftMemory(1_000, 2);
    left.add('a', 100);
    left.add('b', 200);
    left.add('c', 300);
    expect(left.mayHold('never-seen', 300)).toBe(true);
    expect(left.mayHold('never-seen', 1_099)).toBe(true);
    expect(left.mayHold('never-seen', 1_100)).toBe(false);
    expect(left.mayHold('c', 1_100)).toBe(true);
  });
});

describe('LeftMemory over many calls', () => {
  it('stays bounded and right when calls come back and leave again', () => {
    const left = new LeftMemory(1_000_000, 1_000);
    for (let i = 0; i < 50_000; i++) {
      left.add(`c${i}`, i);
      if (i % 3 === 0) left.back(`c${i}`);
      if (i % 5 === 0) left.add(`c${i}`, i);
    }
    expect(left.mayHold('c49999', 50_000)).toBe(true);
    expect(left.mayHold('c49998', 50_000)).toBe(true);
    expect(left.mayHold('c49995', 50_000)).toBe(true);
    expect(left.mayHold('never-seen', 2_000_000)).toBe(false);
  });
});
