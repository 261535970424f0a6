import { describe, expect, it } from 'vitest';
import { extensionEvent } from '../tests/fake-voicenter';
import { readExtensionEvent } from './realtime-events';

/** The captured ExtensionEvents of ../shared/VOICENTER-REALTIME.md §1.5 ([CAP]), read into call phases. */
describe('readExtensionEvent', () => {
  it.each([
    ['NEWCALL', 'Incoming', 'ringing', 'incoming'],
    ['NEWCALL', 'Outgoing', 'dialing', 'outgoing'],
    ['NEWCALL', 'Click2Call', 'dialing', 'outgoing'],
    ['ANSWER', 'Incoming', 'talking', 'incoming'],
    ['HOLD', 'Incoming', 'hold', 'incoming'],
    ['UNHOLD', 'Incoming', 'talking', 'incoming'],
    ['HANGUP', 'Incoming', 'hangup', 'incoming'],
  ])('%s of an %s call is %s', (reason, direction, phase, dir) => {
    const read = readExtensionEvent(extensionEvent(reason, { ivrid: '2023122810144902393f899a7812fd6b', direction, cause: 'User busy' }));
    expect(read).toMatchObject({ kind: 'call', event: { ivrid: '2023122810144902393f899a7812fd6b', extenUser: 'KGpK4iWq', phase, direction: dir, phone: '0501234567', did: '0776707528', callerName: 'Queue Testing', status: reason } });
    if (read.kind === 'call') expect(read.event.cause).toBe(reason === 'HANGUP' ? 'User busy' : '');
  });

  it('takes the ivrid from ivruniqueid when the current call lacks it, and the answered time in seconds', () => {
    const event = extensionEvent('HANGUP', { ivrid: 'x1' }) as { data: { currentCall: { ivrid?: string; callAnswered: number } } };
    delete event.data.currentCall.ivrid;
    const read = readExtensionEvent(event);
    expect(read).toMatchObject({ kind: 'call', event: { ivrid: 'x1', phase: 'hangup' } });
  });

  it('tells an agent status from an event without a call phase (1 logged in, 2 logged out, else a break)', () => {
    const status = (representativeStatus: number) => {
      const event = extensionEvent('userStatusUpdate', { ivrid: 'x' }) as { data: { representativeStatus: number } };
      event.data.representativeStatus = representativeStatus;
      return readExtensionEvent(event);
    };
    expect(status(1)).toEqual({ kind: 'agent', extenUser: 'KGpK4iWq', status: 'logged-in' });
    expect(status(2)).toEqual({ kind: 'agent', extenUser: 'KGpK4iWq', status: 'logged-out' });
    expect(status(5)).toEqual({ kind: 'agent', extenUser: 'KGpK4iWq', status: 'break' });
  });

  it.each([null, 42, 'NEWCALL', {}, { reason: 'NEWCALL', data: {} }, { reason: 'NEWCALL', data: { extenUser: 'a', currentCall: null } }, { reason: 'NEWCALL', data: { extenUser: 'a', currentCall: { ivrid: 'x'.repeat(300) } } }])(
    'drops %j with the reason why',
    (payload) => {
      const read = readExtensionEvent(payload);
      expect(read.kind).toBe('ignored');
      if (read.kind === 'ignored') expect(read.why.length).toBeGreaterThan(0);
    },
  );
});
