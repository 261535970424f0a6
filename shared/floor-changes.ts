import type { Floor, FloorAgent, LiveCallView } from './console';

/**
 * The console's Live stream: the whole floor once (`event: floor`), then what changed
 * (`event: changes`, a FloorChanges) — the relay works the changes out (floorChanges), the page
 * applies them (applyFloorChanges). A call rung at hundreds of stations then costs a viewer the
 * calls that changed, not the whole floor again at every change.
 */
export interface FloorChanges {
  agents?: ListChanges<FloorAgent>;
  calls?: ListChanges<LiveCallView>;
  /** Whole, when changed (null: the relay does not use the Real-Time API). */
  queues?: Floor['queues'];
  voicenter?: Floor['voicenter'];
}

/** A list's changes by key: new ones go first, in the order given, changed ones stay in their place. */
export interface ListChanges<T> {
  /** Items new or changed, whole. */
  set?: T[];
  /** Keys of the items gone. */
  gone?: string[];
  /** Every key in its order, when the rule above does not give it. */
  order?: string[];
}

const agentKey = (a: FloorAgent) => a.extenUser;
const callKey = (c: LiveCallView) => c.ivrid;

/** What changed from `before` to `after`; null when nothing did. */
export function floorChanges(before: Floor, after: Floor): FloorChanges | null {
  const changes: FloorChanges = {};
  const agents = listChanges(before.agents, after.agents, agentKey);
  const calls = listChanges(before.calls, after.calls, callKey);
  if (agents) changes.agents = agents;
  if (calls) changes.calls = calls;
  if (JSON.stringify(before.queues) !== JSON.stringify(after.queues)) changes.queues = after.queues;
  if (JSON.stringify(before.voicenter) !== JSON.stringify(after.voicenter)) changes.voicenter = after.voicenter;
  return Object.keys(changes).length > 0 ? changes : null;
}

export function applyFloorChanges(floor: Floor, changes: FloorChanges): Floor {
  return {
    agents: changes.agents ? applyList(floor.agents, changes.agents, agentKey) : floor.agents,
    calls: changes.calls ? applyList(floor.calls, changes.calls, callKey) : floor.calls,
    queues: changes.queues !== undefined ? changes.queues : floor.queues,
    voicenter: changes.voicenter !== undefined ? changes.voicenter : floor.voicenter,
  };
}

function listChanges<T>(before: T[], after: T[], key: (item: T) => string): ListChanges<T> | undefined {
  const old = new Map(before.map((item) => [key(item), JSON.stringify(item)]));
  const now = new Set(after.map(key));
  const set = after.filter((item) => old.get(key(item)) !== JSON.stringify(item));
  const gone = [...old.keys()].filter((k) => !now.has(k));
  // The order applyList gives without being told: the new ones first, then the others as they were.
  const implied = [...set.map(key).filter((k) => !old.has(k)), ...[...old.keys()].filter((k) => now.has(k))];
  const keys = after.map(key);
  const order = implied.every((k, i) => k === keys[i]) ? undefined : keys;
  if (set.length === 0 && gone.length === 0 && !order) return undefined;
  return { ...(set.length ? { set } : {}), ...(gone.length ? { gone } : {}), ...(order ? { order } : {}) };
}

function applyList<T>(list: T[], changes: ListChanges<T>, key: (item: T) => string): T[] {
  const gone = new Set(changes.gone);
  const fresh = new Map((changes.set ?? []).map((item) => [key(item), item]));
  const kept = list
    .filter((item) => !gone.has(key(item)))
    .map((item) => {
      const changed = fresh.get(key(item));
      fresh.delete(key(item));
      return changed ?? item;
    });
  const result = [...fresh.values(), ...kept];
  if (!changes.order) return result;
  const byKey = new Map(result.map((item) => [key(item), item]));
  return changes.order.map((k) => byKey.get(k)).filter((item): item is T => item !== undefined);
}
