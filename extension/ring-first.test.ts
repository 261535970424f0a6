import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { ServerMessage } from '../shared/messages';
import { showCall } from './notify';
import { RingFirst } from './ring-first';
import type { Preferences } from './storage';

vi.mock('./notify', () => ({ showCall: vi.fn(() => Promise.resolve()) }));

const ringing = (seq: number, ivrid: string) => ({ type: 'call', seq, call: { ivrid, state: 'ringing' } }) as unknown as ServerMessage;
const hello = (seq: number) => ({ type: 'hello', seq, epoch: 'e', agent: { extenUser: 'A1', name: 'Dana' }, heartbeatMs: 20_000 }) as ServerMessage;
const raised = () => vi.mocked(showCall).mock.calls.map(([call]) => call.ivrid);

describe('RingFirst', () => {
  beforeEach(() => vi.mocked(showCall).mockClear());

  it('raises a ring next in order at once; after a new connection\'s hello, only once the queue has handled it', () => {
    const first = new RingFirst();
    first.useSettings({} as Preferences);
    first.inOrderFrom(0);
    first.arrived(ringing(1, 'a'));
    expect(raised()).toEqual(['a']);
    // The connection dropped; the next one resumes: 2 is a replay, maybe ended by 3 right after.
    first.arrived(hello(3));
    first.arrived(ringing(2, 'b'));
    expect(raised()).toEqual(['a']);
    // A hello with nothing to resume, handled: in order again from its number.
    first.arrived(hello(3));
    first.inOrderFrom(3);
    first.arrived(ringing(4, 'c'));
    expect(raised()).toEqual(['a', 'c']);
  });
});
