import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { IVRID, parseCallEvent, TIME_WINDOW, type CallEvent } from './call-event';
import { FORM_SAMPLE, GET_SAMPLE, JSON_ANSWER, JSON_HANGUP, JSON_RINGING } from './fixtures/voicenter-samples';

const fromQuery = (q: string) => Object.fromEntries(new URLSearchParams(q));

function ok(input: unknown): CallEvent {
  const result = parseCallEvent(input);
  if (!result.ok) throw new Error(result.error);
  return result.event;
}

describe('parseCallEvent', () => {
  describe('the samples of voicenter-popup-api.txt', () => {
    it('reads the GET sample (statusCall)', () => {
      expect(ok(fromQuery(GET_SAMPLE))).toMatchObject({
        ivrid: '202010111sdsd3684752bcb3d',
        extenUser: 'SIPSIPl',
        phone: '0722776772',
        did: '0722776773',
        phase: 'ringing',
        status: 'Ringing',
      });
    });

    it('reads the form sample (status)', () => {
      expect(ok(fromQuery(FORM_SAMPLE))).toMatchObject({ extenUser: 'NaDzw5Ol', phase: 'ringing' });
    });

    it('reads the JSON ringing phase', () => {
      expect(ok(JSON_RINGING)).toEqual({
        ivrid: '20220916103546022555eb61e755c08a',
        extenUser: 'KGpK4iWq',
        phase: 'ringing',
        status: 'Ringing',
        direction: 'incoming',
        phone: '972722776772',
        callerName: 'Queue Testing',
        originalCallerName: 'Nikita Karpushin new',
        originalCallerId: '0722776772',
        did: '0776707528',
        cause: '',
        callStarted: 1663324548,
        callAnswered: null,
      });
    });

    it('reads the JSON answer phase as talking', () => {
      expect(ok(JSON_ANSWER)).toMatchObject({ phase: 'talking', callAnswered: 1663324555 });
    });

    it('reads the JSON hang-up phase as a hang-up although its status still says Talking', () => {
      expect(ok(JSON_HANGUP)).toMatchObject({ phase: 'hangup', status: 'Talking', cause: 'Normal hangup' });
    });
  });

  describe('status words', () => {
    it.each([
      ['Ringing', 'ringing'],
      ['Talking', 'talking'],
      ['Answer', 'talking'],
      ['Hold', 'hold'],
      ['Hangup', 'hangup'],
      ['HANG-UP', 'hangup'],
      ['Transferring', 'unknown'],
      ['', 'unknown'],
    ])('reads %j as %s', (status, phase) => {
      expect(ok({ ivrid: 'x1', status }).phase).toBe(phase);
    });

    it('reads Dialing, and Ringing on an outgoing call, as dialing', () => {
      expect(ok({ ivrid: 'x1', status: 'Dialing' })).toMatchObject({ phase: 'dialing', direction: 'outgoing' });
      expect(ok({ ivrid: 'x1', status: 'Ringing', direction: 'Outgoing' })).toMatchObject({ phase: 'dialing' });
    });

    it.each(['Normal hangup', 'User busy', 'Call Rejected', 'Unallocated (unassigned) number', 'No user responding'])(
      'reads a top-level cause %j as a hang-up',
      (cause) => {
        expect(ok({ ivrid: 'x1', status: 'Talking', cause }).phase).toBe('hangup');
      },
    );

    it('prefers status over statusCall when both come', () => {
      expect(ok({ ivrid: 'x1', status: 'Talking', statusCall: 'Ringing' }).phase).toBe('talking');
    });
  });

  describe('names and numbers', () => {
    it('keeps Hebrew names as sent', () => {
      expect(ok({ ivrid: 'x1', callerName: 'דנה כהן' }).callerName).toBe('דנה כהן');
    });

    it('falls back to currentCall.callername and callerphone', () => {
      expect(ok({ ivrid: 'x1', currentCall: { callername: 'Avi', callerphone: '0501234567' } })).toMatchObject({
        callerName: 'Avi',
        phone: '0501234567',
      });
    });

    it('falls back to originalCallerID when phone is missing', () => {
      expect(ok({ ivrid: 'x1', originalCallerID: '0722776772' }).phone).toBe('0722776772');
    });

    it('accepts a number sent as a JSON number', () => {
      expect(ok({ ivrid: 'x1', phone: 972722776772 }).phone).toBe('972722776772');
    });

    it('still reads a call with no number', () => {
      expect(ok({ ivrid: 'x1', status: 'Ringing' })).toMatchObject({ phone: '', phase: 'ringing' });
    });
  });

  describe('call times, given when the request arrived', () => {
    const arrived = Date.UTC(2026, 10, 27, 12);
    const at = (fields: Record<string, unknown>) => {
      const result = parseCallEvent({ ivrid: 'x1', status: 'Talking', ...fields }, arrived);
      if (!result.ok) throw new Error(result.error);
      return result.event;
    };

    it('drops a time in the year 5138 and one a week ahead: the call is counted from its arrival', () => {
      expect(at({ callStarted: arrived / 1000 - 8, callAnswered: 99999999999999 })).toMatchObject({ callStarted: arrived / 1000 - 8, callAnswered: null });
      expect(at({ currentCall: { callStarted: arrived / 1000 + 7 * 86_400, callAnswered: '99999999999999' } })).toMatchObject({ callStarted: null, callAnswered: null });
    });

    it('drops a start more than a day before the arrival, and keeps the two clocks\' drift', () => {
      expect(at({ callStarted: (arrived - TIME_WINDOW.beforeMs) / 1000 - 1 }).callStarted).toBeNull();
      expect(at({ callStarted: (arrived - TIME_WINDOW.beforeMs) / 1000 }).callStarted).toBe((arrived - TIME_WINDOW.beforeMs) / 1000);
      expect(at({ callStarted: (arrived + TIME_WINDOW.afterMs) / 1000 }).callStarted).toBe((arrived + TIME_WINDOW.afterMs) / 1000);
      expect(at({ callStarted: (arrived + TIME_WINDOW.afterMs) / 1000 + 1 }).callStarted).toBeNull();
    });

    it('keeps the times as sent when the arrival is not known (a request read again)', () => {
      expect(ok({ ivrid: 'x1', callAnswered: 99999999999999 }).callAnswered).toBe(99999999999999);
    });
  });

  describe('bad input', () => {
    it('needs an ivrid', () => {
      expect(parseCallEvent({ phone: '1' })).toEqual({ ok: false, error: 'ivrid: is required' });
    });

    it('refuses a list where text belongs', () => {
      expect(parseCallEvent({ ivrid: 'x1', phone: ['1', '2'] })).toEqual({ ok: false, error: 'phone: expected text' });
    });

    it('refuses an ivrid that could not be an id', () => {
      expect(parseCallEvent({ ivrid: '<script>' })).toMatchObject({ ok: false });
    });

    it.each([
      ['a path, a line and spaces', `a b/c\n../${'x'.repeat(247)}`],
      ['129 characters', 'a'.repeat(129)],
      ["the Redis keys' separator", 'v-1:identity'],
      ['blank', '   '],
    ])('refuses an ivrid with %s, in the rule\'s words', (_, ivrid) => {
      expect(parseCallEvent({ ivrid })).toEqual({ ok: false, error: 'ivrid: must be 1 to 128 letters, digits or . _ -' });
    });

    it.each([
      '202010111sdsd3684752bcb3d', // voicenter-popup-api.txt, GET sample
      '20220916103546022555eb61e755c08a', // its JSON samples
      '2023122810144902393f899a7812fd6b', // VOICENTER-REALTIME.md's capture
      '1703759105.42',
      'c2c-0b6f4a3e-1d2c-4f5e-8a9b-0c1d2e3f4a5b',
      'a'.repeat(128),
    ])('keeps the ivrid %s', (ivrid) => {
      expect(ok({ ivrid }).ivrid).toBe(ivrid);
    });

    it('cuts text longer than 256 characters instead of refusing the call, never inside a character', () => {
      expect(ok({ ivrid: 'x1', callerName: 'a'.repeat(300) }).callerName).toBe('a'.repeat(256));
      // 255 Latin letters then emoji (two UTF-16 units each): the 256th character is kept whole.
      const name = ok({ ivrid: 'x1', callerName: `${'b'.repeat(255)}😀😀😀` }).callerName;
      expect(Array.from(name)).toHaveLength(256);
      expect(name.endsWith('😀')).toBe(true);
      expect(ok({ ivrid: 'x1', currentCall: { callername: 'ש'.repeat(1000) } }).callerName).toBe('ש'.repeat(256));
    });

    it('ignores __proto__ keys and does not pollute prototypes', () => {
      const input = JSON.parse('{"ivrid":"x1","__proto__":{"polluted":"yes"},"currentCall":{"__proto__":{"x":1}}}');
      expect(ok(input).ivrid).toBe('x1');
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    });

    it('never throws, whatever it is given', () => {
      fc.assert(
        fc.property(fc.oneof(fc.anything(), fc.dictionary(fc.string(), fc.anything()), fc.jsonValue()), (input) => {
          const result = parseCallEvent(input);
          expect(typeof result.ok).toBe('boolean');
          if (!result.ok) expect(result.error).toMatch(/\S/);
        }),
        { numRuns: 2000 },
      );
    });

    it('reads any object with a good ivrid and text fields', () => {
      const text = fc.oneof(fc.string(), fc.integer());
      fc.assert(
        fc.property(
          fc.stringMatching(IVRID),
          fc.record({ phone: text, callerName: text, status: text, statusCall: text, did: text }, { requiredKeys: [] }),
          (ivrid, fields) => {
            const result = parseCallEvent({ ...fields, ivrid });
            // Text longer than the limit is the only thing that may be refused.
            if (!result.ok) expect(result.error).toMatch(/longer than/);
            else expect(result.event.ivrid).toBe(ivrid);
          },
        ),
        { numRuns: 1000 },
      );
    });
  });
});
