import { beforeEach, describe, expect, it, vi } from 'vitest';
import { areas, resetFake, writes } from './fake-browser';
import { storedGroup } from './storage';

vi.mock('./browser-api', () => import('./fake-browser'));

describe('storedGroup (the one owner of each stored key)', () => {
  beforeEach(resetFake);

  it('reads a key never written, or cleared to null, as its default', async () => {
    const group = storedGroup<{ name: string | null; count: number }>('local', 'defaults-test', { name: 'nobody', count: 0 });
    expect(await group.getMany('name', 'count')).toEqual({ name: 'nobody', count: 0 });
    await group.set({ name: null, count: 3 });
    expect(await group.getMany('name', 'count')).toEqual({ name: 'nobody', count: 3 });
  });

  it('writes keys given together in one write, and puts defaults back in one', async () => {
    const group = storedGroup('local', 'together-test', { a: 0, b: '', c: false });
    await group.set({ a: 1, b: 'x' });
    await group.reset('a', 'b');
    expect(writes).toEqual([
      { area: 'local', keys: ['a', 'b'] },
      { area: 'local', keys: ['a', 'b'] },
    ]);
    expect(await group.getMany('a', 'b', 'c')).toEqual({ a: 0, b: '', c: false });
  });

  it('keeps the two areas apart: a key in storage.session is not the same key in storage.local', async () => {
    const session = storedGroup('session', 'areas-test', { shared: 'session default' });
    const local = storedGroup('local', 'areas-test', { shared: 'local default' });
    await session.set({ shared: 'in session' });
    expect(await local.get('shared')).toBe('local default');
    expect(areas.session.get('shared')).toBe('in session');
  });

  it('refuses a second owner for a key', () => {
    storedGroup('local', 'first-owner', { owned: 1 });
    expect(() => storedGroup('local', 'second-owner', { owned: 2 })).toThrow('storage.local "owned" is owned by first-owner, not second-owner');
  });

  it('tells a group only of changes to its own keys', async () => {
    const mine = storedGroup('session', 'listener-test', { watched: 0 });
    const other = storedGroup('session', 'other-test', { unwatched: 0 });
    const heard: string[][] = [];
    mine.onChanged((keys) => heard.push(keys));
    await other.set({ unwatched: 1 });
    await mine.set({ watched: 1 });
    expect(heard).toEqual([['watched']]);
  });
});
