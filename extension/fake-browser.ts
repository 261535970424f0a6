import type { NotificationOptions, StorageAreaName } from './browser-api';

/**
 * browser-api.ts in memory, for unit tests (`vi.mock('./browser-api', () => import('./fake-browser'))`):
 * both storage areas, the notifications on screen, the listeners. `resetFake()` empties them.
 */

export type { NotificationOptions, StorageAreaName };

export const areas: Record<StorageAreaName, Map<string, unknown>> = { local: new Map(), session: new Map() };
/** Each write, as the keys it wrote, by area: what was written together. */
export const writes: { area: StorageAreaName; keys: string[] }[] = [];
export const shown = new Map<string, NotificationOptions>();
const storageListeners: { area: StorageAreaName; listener: (keys: string[]) => void }[] = [];
export const clickListeners: ((id: string) => void)[] = [];
export const buttonListeners: ((id: string, index: number) => void)[] = [];

export function resetFake(): void {
  areas.local.clear();
  areas.session.clear();
  writes.length = 0;
  shown.clear();
  clickListeners.length = 0;
  buttonListeners.length = 0;
}

export const notifications = {
  create: (id: string, options: NotificationOptions): Promise<string> => {
    shown.set(id, options);
    return Promise.resolve(id);
  },
  update: (id: string, options: NotificationOptions): Promise<boolean> => {
    if (!shown.has(id)) return Promise.resolve(false);
    shown.set(id, { ...shown.get(id)!, ...options });
    return Promise.resolve(true);
  },
  ids: (): Promise<string[]> => Promise.resolve([...shown.keys()]),
  clear: (id: string): Promise<boolean> => Promise.resolve(shown.delete(id)),
  onClicked: (listener: (id: string) => void): void => void clickListeners.push(listener),
  onButtonClicked: (listener: (id: string, index: number) => void): void => void buttonListeners.push(listener),
};

export function storageArea<T extends object>(area: StorageAreaName) {
  return {
    get: <K extends keyof T & string>(keys: K[]): Promise<Partial<Pick<T, K>>> => {
      const got: Partial<Pick<T, K>> = {};
      // A structured clone, as Chrome's storage gives: nothing read shares objects with what was written.
      for (const key of keys) if (areas[area].has(key)) got[key] = structuredClone(areas[area].get(key)) as T[K];
      return Promise.resolve(got);
    },
    set: (values: Partial<T>): Promise<void> => {
      const keys = Object.keys(values);
      for (const key of keys) areas[area].set(key, structuredClone((values as Record<string, unknown>)[key]));
      writes.push({ area, keys });
      for (const l of storageListeners) if (l.area === area) l.listener(keys);
      return Promise.resolve();
    },
  };
}

export function onStorageChanged(area: StorageAreaName, listener: (keys: string[]) => void): void {
  storageListeners.push({ area, listener });
}

export const toolbarPixels: Record<number, ImageData>[] = [];
export function setToolbarPixels(imageData: Record<number, ImageData>): Promise<void> {
  toolbarPixels.push(imageData);
  return Promise.resolve();
}
