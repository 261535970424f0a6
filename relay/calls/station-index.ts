import type { StationEvent } from './call';

/**
 * What the views of a call need of each station's events, kept as the events come, so that a
 * request reads its own station's and never the whole call's: when every request re-filtered every
 * event for every station, a call rung at thousands of stations cost each request seconds.
 */
export interface StationEvents {
  /** Its latest event. */
  last: StationEvent;
  /** Its latest event other than a hang-up; undefined while it has only hung up. */
  live: StationEvent | undefined;
  /** Its first hang-up; undefined while it has none. */
  hangup: StationEvent | undefined;
}

export interface StationIndex {
  /** By extension user ('' for a request that names none), in the order each first appeared. */
  stations: Map<string, StationEvents>;
  /** Stations that have hung up. */
  hungUp: number;
  /** Requests of an unknown status recorded (logged, not among the call's events). */
  unknown: number;
  /** How many of the call's events are folded in. */
  folded: number;
}

/**
 * Each call's index, by its list of events. A call's events are only ever appended to (by
 * call-state.ts, or by whoever holds the call), so what was appended since is folded in when the
 * index is next read; a list read back or copied anew is a new key, indexed from its start.
 */
const indexes = new WeakMap<StationEvent[], StationIndex>();

export function indexOf(events: StationEvent[]): StationIndex {
  let index = indexes.get(events);
  // (A list that got shorter was not appended to: it is indexed again from its start.)
  if (!index || index.folded > events.length) indexes.set(events, (index = { stations: new Map(), hungUp: 0, unknown: index?.unknown ?? 0, folded: 0 }));
  for (; index.folded < events.length; index.folded++) fold(index, events[index.folded]!);
  return index;
}

/** The stations of the call, '' (no station named) left out. */
export function stationCount(index: StationIndex): number {
  return index.stations.size - (index.stations.has('') ? 1 : 0);
}

function fold(index: StationIndex, event: StationEvent): void {
  const station = index.stations.get(event.station);
  const hangup = event.phase === 'hangup';
  if (!station) {
    index.stations.set(event.station, { last: event, live: hangup ? undefined : event, hangup: hangup ? event : undefined });
    if (hangup) index.hungUp++;
    return;
  }
  station.last = event;
  if (!hangup) station.live = event;
  else if (!station.hangup) {
    station.hangup = event;
    index.hungUp++;
  }
}
