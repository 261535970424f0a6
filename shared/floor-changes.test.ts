import { describe, expect, it } from 'vitest';
import type { Floor, FloorAgent, LiveCallView } from './console';
import { applyFloorChanges, floorChanges } from './floor-changes';
import { PENDING } from './messages';

const agent = (extenUser: string, browsers = 0): FloorAgent => ({ extenUser, name: extenUser, enabled: true, browsers, since: null, phone: null });
const call = (ivrid: string, startedAt: number, stations: string[] = ['A']): LiveCallView => ({
  ivrid, direction: 'incoming', state: 'ringing', phone: { raw: '0501234567', e164: '+972501234567', local: '0501234567', withheld: false }, callerName: '', did: '',
  startedAt, answeredAt: null, endedAt: null, cause: '', answeredBy: null, identity: PENDING, line: '', answeredByStation: null,
  stations: stations.map((extenUser) => ({ extenUser, state: 'ringing' })),
});
const floor = (agents: FloorAgent[], calls: LiveCallView[]): Floor => ({ agents, calls, queues: null, voicenter: null });

describe('the Live stream: the floor, then what changed', () => {
  it('nothing changed: no event', () => {
    const f = floor([agent('A')], [call('c1', 1)]);
    expect(floorChanges(f, structuredClone(f))).toBeNull();
  });

  it('a new call, one that changed and one gone: only those are sent, and applying them gives the floor', () => {
    const big = call('big', 1, Array.from({ length: 500 }, (_, i) => `S${i}`));
    const before = floor([agent('A'), agent('B')], [call('c2', 2), big, call('c0', 0)]);
    const after = floor([agent('A', 1), agent('B')], [call('c3', 3), { ...call('c2', 2), state: 'talking' }, big]);
    const changes = floorChanges(before, after)!;
    expect(changes.calls?.set?.map((c) => c.ivrid)).toEqual(['c3', 'c2']);
    expect(changes.calls?.gone).toEqual(['c0']);
    expect(changes.calls?.order).toBeUndefined();
    expect(changes.agents?.set).toEqual([agent('A', 1)]);
    // The call at 500 stations did not change: it is not sent again.
    expect(JSON.stringify(changes).length).toBeLessThan(JSON.stringify(big).length / 5);
    expect(applyFloorChanges(before, JSON.parse(JSON.stringify(changes)))).toEqual(after);
  });

  it('an order the rule does not give is sent; queues and the last request whole', () => {
    const before: Floor = { ...floor([agent('B'), agent('D')], []), queues: null };
    const after: Floor = { agents: [agent('A'), agent('B'), agent('C'), agent('D')].reverse(), calls: [], queues: [], voicenter: { at: 1, format: 'json', status: 200 } };
    const changes = floorChanges(before, after)!;
    expect(changes.agents?.order).toEqual(['D', 'C', 'B', 'A']);
    expect(changes.queues).toEqual([]);
    expect(applyFloorChanges(before, JSON.parse(JSON.stringify(changes)))).toEqual(after);
    expect(applyFloorChanges(after, floorChanges(after, before)!)).toEqual(before);
  });
});
