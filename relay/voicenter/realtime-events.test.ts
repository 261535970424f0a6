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

  // The rule of the pop-up URL (shared/call-event.ts), whichever field the id came in.
  const RULE = 'must be 1 to 128 letters, digits or . _ -';
  const ATTACK = `a b/c\n../${'x'.repeat(247)}`;
  it.each([
    ['a path, a line and spaces, 256 characters', ATTACK],
    ['a colon', 'v-1:identity'],
    ['129 characters', 'a'.repeat(129)],
    ['an object', { id: 'x1' }],
  ])('drops a call whose ivrid holds %s, saying the rule', (_, ivrid) => {
    const inCall = extensionEvent('NEWCALL', { ivrid: 'x1' }) as { data: { currentCall: { ivrid: unknown } } };
    inCall.data.currentCall.ivrid = ivrid;
    expect(readExtensionEvent(inCall)).toEqual({ kind: 'ignored', why: `NEWCALL with an ivrid that ${RULE}` });
    const inHangup = extensionEvent('HANGUP', { ivrid: 'x1' }) as { ivruniqueid: unknown; data: { currentCall: { ivrid?: unknown } } };
    delete inHangup.data.currentCall.ivrid;
    inHangup.ivruniqueid = ivrid;
    expect(readExtensionEvent(inHangup)).toEqual({ kind: 'ignored', why: `HANGUP with an ivrid that ${RULE}` });
  });

  it('keeps the ivrids Voicenter sends, a number too', () => {
    expect(readExtensionEvent(extensionEvent('NEWCALL', { ivrid: '2023122810144902393f899a7812fd6b' }))).toMatchObject({ kind: 'call', event: { ivrid: '2023122810144902393f899a7812fd6b' } });
    const numbered = extensionEvent('NEWCALL', { ivrid: 'x' }) as { data: { currentCall: { ivrid: unknown } } };
    numbered.data.currentCall.ivrid = 1703759105;
    expect(readExtensionEvent(numbered)).toMatchObject({ kind: 'call', event: { ivrid: '1703759105' } });
  });

  it('drops times far from when the event was heard: the call is counted from then', () => {
    const heard = Date.UTC(2026, 10, 27, 12);
    const event = extensionEvent('ANSWER', { ivrid: 'x1' }) as { data: { currentCall: { callStarted: number; callAnswered: number } } };
    event.data.currentCall.callStarted = heard / 1000 - 30;
    event.data.currentCall.callAnswered = 99999999999999;
    expect(readExtensionEvent(event, heard)).toMatchObject({ kind: 'call', event: { callStarted: heard / 1000 - 30, callAnswered: null } });
    event.data.currentCall.callStarted = heard / 1000 + 30 * 86_400;
    expect(readExtensionEvent(event, heard)).toMatchObject({ kind: 'call', event: { callStarted: null } });
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
