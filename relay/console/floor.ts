import type { Floor } from '../../shared/console';

/** The live floor from the relay's server-sent events, shared by the pages that show it. */
let events: EventSource | undefined;
let current: Floor | undefined;
const listeners = new Set<() => void>();

export function watchFloor(): void {
  if (events) return;
  events = new EventSource('/console/api/floor/events');
  events.addEventListener('floor', (e) => {
    current = JSON.parse((e as MessageEvent<string>).data) as Floor;
    for (const l of listeners) l();
  });
}

/** The floor as last sent; undefined before the first event. */
export const currentFloor = (): Floor | undefined => current;

/** The page's one listener (a new page replaces the last one's). */
export function onFloor(listener: () => void): void {
  listeners.clear();
  listeners.add(listener);
  if (current) listener();
}

export function stopFloor(): void {
  events?.close();
  events = undefined;
  current = undefined;
  listeners.clear();
}
