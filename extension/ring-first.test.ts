import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { ServerMessage } from '../shared/messages';
import { MessageOrder } from './message-order';
import { showCall } from './notify';
import type { Preferences } from './preferences';
import { RingFirst } from './ring-first';

vi.mock('./notify', () => ({ showCall: vi.fn(() => Promise.resolve()) }));

const ringing = (seq: number, ivrid: string) => ({ type: 'call', seq, call: { ivrid, state: 'ringing' } }) as unknown as ServerMessage;
const hello = (seq: number) => ({ type: 'hello', seq, epoch: 'e', agent: { extenUser: 'A1', name: 'Dana' }, heartbeatMs: 20_000 }) as ServerMessage;
const raised = () => vi.mocked(showCall).mock.calls.map(([call]) => call.ivrid);

describe('RingFirst', () => {
  beforeEach(() => vi.mocked(showCall).mockClear());

  it('raises a ring next in order at once; after a new connection\'s hello, only once the queue has handled it', () => {
    const first = new RingFirst(() => ({}) as Preferences);
    const order = new MessageOrder({ send: vi.fn(), process: vi.fn(), stillOpen: vi.fn() });
    const arrive = (message: ServerMessage) => first.arrived(message, order.arrived(message));
    order.countArrivalsFrom(0);
    arrive(ringing(1, 'a'));
    expect(raised()).toEqual(['a']);
    // The connection dropped; the next one resumes: 2 is a replay, maybe ended by 3 right after.
    arrive(hello(3));
    arrive(ringing(2, 'b'));
    expect(raised()).toEqual(['a']);
    // A hello with nothing to resume, handled: in order again from its number.
    arrive(hello(3));
    order.countArrivalsFrom(3);
    arrive(ringing(4, 'c'));
    expect(raised()).toEqual(['a', 'c']);
  });

  it('raises nothing before the agent\'s settings are known, nor a call already on screen', () => {
    let settings: Preferences | null = null;
    const first = new RingFirst(() => settings);
    first.arrived(ringing(1, 'a'), true);
    expect(raised()).toEqual([]);
    settings = {} as Preferences;
    first.liveCalls(['b']);
    first.arrived(ringing(2, 'b'), true);
    expect(raised()).toEqual([]);
  });
});
