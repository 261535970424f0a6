/**
 * The few browser APIs whose webextension-polyfill types do not say what Chrome does, typed once.
 * The polyfill's types are written for Firefox: its notifications lack Chrome's options (buttons,
 * requireInteraction, silent), its storage answers `Record<string, unknown>`, its toolbar icon wants
 * its own image type. Chrome's own objects (MV3: every call answers a promise) carry Chrome's types,
 * so they are used here and nothing elsewhere needs a cast. Everything is looked up when called:
 * a unit test replaces this module, or the `chrome` global, before anything runs.
 */

export type NotificationOptions = chrome.notifications.NotificationCreateOptions;

export const notifications = {
  create: (id: string, options: NotificationOptions): Promise<string> => chrome.notifications.create(id, options),
  /** False when there is no such notification on screen (the agent closed it). */
  update: (id: string, options: NotificationOptions): Promise<boolean> => chrome.notifications.update(id, options),
  /** The ids of the notifications on screen. */
  ids: async (): Promise<string[]> => Object.keys(await chrome.notifications.getAll()),
  clear: (id: string): Promise<boolean> => chrome.notifications.clear(id),
  onClicked: (listener: (id: string) => void): void => chrome.notifications.onClicked.addListener(listener),
  onButtonClicked: (listener: (id: string, index: number) => void): void => chrome.notifications.onButtonClicked.addListener(listener),
};

export type StorageAreaName = 'local' | 'session';

/**
 * One storage area, read as `T`: the keys' types are declared by their owner (storage.ts), which
 * alone writes them; what a key holds is what that owner wrote under it.
 */
export function storageArea<T extends object>(area: StorageAreaName) {
  return {
    get: <K extends keyof T & string>(keys: K[]): Promise<Partial<Pick<T, K>>> => chrome.storage[area].get<Partial<Pick<T, K>>>(keys),
    set: (values: Partial<T>): Promise<void> => chrome.storage[area].set<T>(values),
  };
}

/** Calls `listener` with the names of the keys that changed in `area` (from any page or the worker). */
export function onStorageChanged(area: StorageAreaName, listener: (keys: string[]) => void): void {
  chrome.storage.onChanged.addListener((changes, name) => {
    if (name === area) listener(Object.keys(changes));
  });
}

/** The toolbar icon drawn from pixels (by size), e.g. the grey one shown while disconnected. */
export function setToolbarPixels(imageData: Record<number, ImageData>): Promise<void> {
  return chrome.action.setIcon({ imageData });
}
