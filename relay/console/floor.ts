import type { Floor } from '../../shared/console';
import { applyFloorChanges, type FloorChanges } from '../../shared/floor-changes';

/** The live floor from the relay's server-sent events, shared by the pages that show it. */
let events: EventSource | undefined;
let current: Floor | undefined;
const listeners = new Set<() => void>();
let reachable = true;
let onReachable: (reachable: boolean) => void = () => undefined;

/** Told when the live stream is lost (the relay is down or unreachable) and when it is back. */
export function whenReachable(listener: (reachable: boolean) => void): void {
  onReachable = listener;
}

function setReachable(now: boolean): void {
  if (now === reachable) return;
  reachable = now;
  onReachable(now);
}

export function watchFloor(): void {
  if (events) return;
  // EventSource comes back by itself when the relay does; until then the page says so.
  events = new EventSource('/console/api/floor/events');
  events.addEventListener('error', () => setReachable(false));
  // The whole floor first (and again after the relay found this page reading too slowly), then what changed.
  events.addEventListener('floor', (e) => {
    current = JSON.parse((e as MessageEvent<string>).data) as Floor;
    setReachable(true);
    for (const l of listeners) l();
  });
  events.addEventListener('changes', (e) => {
    if (!current) return;
    current = applyFloorChanges(current, JSON.parse((e as MessageEvent<string>).data) as FloorChanges);
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
  setReachable(true);
  events?.close();
  events = undefined;
  current = undefined;
  listeners.clear();
}
