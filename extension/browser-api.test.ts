import { afterEach, describe, expect, it, vi } from 'vitest';
import { notifications, onStorageChanged, storageArea } from './browser-api';

afterEach(() => vi.unstubAllGlobals());

describe('browser-api (Chrome\'s own typed objects)', () => {
  it('passes Chrome\'s notification options through, and lists what is on screen by id', async () => {
    const create = vi.fn(() => Promise.resolve('call:1'));
    vi.stubGlobal('chrome', { notifications: { create, getAll: () => Promise.resolve({ 'call:1': true, 'missed:2': true }) } });
    await notifications.create('call:1', { type: 'basic', iconUrl: 'i', title: 't', message: 'm', requireInteraction: true, buttons: [{ title: 'Open' }] });
    expect(create).toHaveBeenCalledWith('call:1', expect.objectContaining({ requireInteraction: true, buttons: [{ title: 'Open' }] }));
    expect(await notifications.ids()).toEqual(['call:1', 'missed:2']);
  });

  it('reads and writes the storage area it names', async () => {
    const local = { get: vi.fn(() => Promise.resolve({ lastSeq: 4 })), set: vi.fn(() => Promise.resolve()) };
    const session = { get: vi.fn(), set: vi.fn(() => Promise.resolve()) };
    vi.stubGlobal('chrome', { storage: { local, session } });
    expect(await storageArea<{ lastSeq: number }>('local').get(['lastSeq'])).toEqual({ lastSeq: 4 });
    await storageArea<{ live: object }>('session').set({ live: {} });
    expect(local.get).toHaveBeenCalledWith(['lastSeq']);
    expect(session.set).toHaveBeenCalledWith({ live: {} });
    expect(session.get).not.toHaveBeenCalled();
  });

  it('tells a storage listener only of its own area\'s changes, by key', () => {
    let fire: (changes: Record<string, unknown>, area: string) => void = () => {};
    vi.stubGlobal('chrome', { storage: { onChanged: { addListener: (l: typeof fire) => (fire = l) } } });
    const heard: string[][] = [];
    onStorageChanged('local', (keys) => heard.push(keys));
    fire({ live: {} }, 'session');
    fire({ settings: {}, recent: [] }, 'local');
    expect(heard).toEqual([['settings', 'recent']]);
  });
});
