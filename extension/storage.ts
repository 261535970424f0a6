import { onStorageChanged, storageArea, type StorageAreaName } from './browser-api';

/**
 * Where the extension keeps what it knows. Chrome may stop the service worker at any moment (and
 * starts it again for the next event), so nothing that must outlive one event lives only in a
 * module variable. Two areas:
 *
 * - storage.local: kept across browser restarts — what the agent set up or must not lose.
 * - storage.session: kept while Chrome runs, across worker restarts, gone when the browser closes —
 *   what describes this browser session only (live calls, the connection, tabs opened).
 *
 * Every key has exactly one owner module, which declares it with its default and is the only one
 * to write it (a second claim on a key throws at load); others go through the owner's typed API:
 *
 * | owner | storage.local | storage.session | in memory (this worker's lifetime) |
 * | --- | --- | --- | --- |
 * | account.ts | session, clickToCall, lastRelayUrl, lastExtenUser | | |
 * | preferences.ts | settings | | the last settings read (for a ring raised at once) |
 * | message-order.ts | epoch, lastSeq, lastMessageAt | | messages held ahead of a gap, the arrival count, the work queue |
 * | call-book.ts | recent, missed, continuityLostAt | live, autoOpened | |
 * | connection-status.ts | | connection, attempt | |
 * | connection.ts | | | the socket, its heartbeat and retry timers |
 * | toolbar.ts | offlineNoticeAfterMs | downSince, offlineNoticed | the grey icon drawn once |
 * | crm-pages.ts | | tabs | |
 * | ring-first.ts | | | the calls raised or handled early in this worker's lifetime |
 *
 * The key names are what earlier versions stored: an update keeps the agent signed in.
 */

export interface StoredGroup<T extends object> {
  get<K extends keyof T & string>(key: K): Promise<T[K]>;
  /** Several keys in one read (each a round trip to the browser otherwise). */
  getMany<K extends keyof T & string>(...keys: K[]): Promise<Pick<T, K>>;
  /** Written together, in one write. */
  set(values: Partial<T>): Promise<void>;
  /** Back to their defaults, in one write. */
  reset(...keys: (keyof T & string)[]): Promise<void>;
  /** Any page or the worker changed one of these keys. */
  onChanged(listener: (keys: (keyof T & string)[]) => void): void;
}

/** Which module claimed each key, by area: two owners of one key is a mistake found at load. */
const claimed = new Map<string, string>();

/** Declares the keys `owner` keeps in `area`, with their defaults (what a key never written reads as). */
export function storedGroup<T extends object>(area: StorageAreaName, owner: string, defaults: T): StoredGroup<T> {
  const names = Object.keys(defaults) as (keyof T & string)[];
  for (const key of names) {
    const other = claimed.get(`${area}:${key}`);
    if (other !== undefined && other !== owner) throw new Error(`storage.${area} "${key}" is owned by ${other}, not ${owner}`);
    claimed.set(`${area}:${key}`, owner);
  }
  const store = storageArea<T>(area);
  const getMany = async <K extends keyof T & string>(...keys: K[]): Promise<Pick<T, K>> => {
    const got = await store.get(keys);
    const result = {} as Pick<T, K>;
    // A key never written, or cleared to null, reads as its default.
    for (const key of keys) result[key] = got[key] ?? defaults[key];
    return result;
  };
  return {
    get: async (key) => (await getMany(key))[key],
    getMany,
    set: (values) => store.set(values),
    reset: (...keys) => {
      const values: Partial<T> = {};
      for (const key of keys) values[key] = defaults[key];
      return store.set(values);
    },
    onChanged: (listener) =>
      onStorageChanged(area, (keys) => {
        const mine = names.filter((name) => keys.includes(name));
        if (mine.length > 0) listener(mine);
      }),
  };
}
