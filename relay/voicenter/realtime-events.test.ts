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

  it('leaves an event without a call phase that tells the phone status to the board (userStatusUpdate)', () => {
    expect(readExtensionEvent(extensionEvent('userStatusUpdate', { ivrid: 'x' }))).toEqual({ kind: 'status' });
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
