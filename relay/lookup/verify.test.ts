import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parsePhone, type Phone } from '../../shared/phone';
import { verifyNumbers } from './verify';

const caller = parsePhone('0722776772', 'IL');

describe('verifyNumbers: a record names the caller only when one of its numbers is the caller\'s', () => {
  it.each(['072-277-6772', '+972 72-277-6772', '(072) 2776772', '+972722776772', '0722776772'])('%s, as people type it, is the same number', (typed) => {
    expect(verifyNumbers(['03-555-1234', typed], caller, 'IL', 9)).toMatchObject({ kept: true, how: 'exact' });
  });

  it('the last digits, where the number cannot be read as a whole (a prefix the parser does not know)', () => {
    expect(verifyNumbers(['00972-72-277-6772 ext'], caller, 'IL', 9)).toMatchObject({ kept: true });
  });

  it('drops a record whose numbers only contain the digits, or end alike in fewer digits, or that has none', () => {
    expect(verifyNumbers(['0722776771', '+1 722 776 7720'], caller, 'IL', 9)).toMatchObject({ kept: false, why: expect.stringContaining('none of its numbers') });
    expect(verifyNumbers(['776772'], caller, 'IL', 9).kept).toBe(false);
    expect(verifyNumbers([], caller, 'IL', 9)).toEqual({ kept: false, why: 'the record has no phone number' });
  });

  it('never keeps a record without the caller\'s last digits (any numbers)', () => {
    fc.assert(
      fc.property(fc.array(fc.stringMatching(/^[0-9+() -]{0,20}$/), { maxLength: 4 }), (numbers) => {
        const verdict = verifyNumbers(numbers, caller, 'IL', 9);
        const digits = numbers.map((n) => n.replace(/\D/g, ''));
        if (verdict.kept) expect(digits.some((d) => d.endsWith('722776772'))).toBe(true);
      }),
    );
  });

  it('drops, unread, the numbers without the caller\'s last digits in a row: the verdict is the one reading every number gives', () => {
    // Every number read as people type it, the way records were checked before numbers were screened.
    const readingEvery = (numbers: string[], who: Phone) =>
      numbers.some((n) => {
        const p = parsePhone(n, 'IL');
        return (who.e164 !== null && p.e164 === who.e164) || (p.digits.length >= 9 && who.digits.length >= 9 && p.digits.endsWith(who.digits.slice(-9)));
      });
    const written = fc
      .record({
        prefix: fc.constantFrom('', '0', '+972', '972', '00972', '+972 (0)', '+1 ', '+44 '),
        national: fc.constantFrom('722776772', '722776771', '727762772', '501234567', '35551234', '22776772'),
        gaps: fc.array(fc.constantFrom('', '-', ' ', '.', '/', '(', ')'), { minLength: 12, maxLength: 12 }),
        tail: fc.constantFrom('', ' ext 12', ' x5', ' #3', ', 03-555-1234', '1'),
      })
      .map(({ prefix, national, gaps, tail }) => prefix + [...national].map((d, i) => d + gaps[i]!).join('') + tail);
    const callers = fc.constantFrom('0722776772', '+972722776772', '0501234567', '035551234', '722776772');
    fc.assert(
      fc.property(fc.array(fc.oneof(written, fc.stringMatching(/^[0-9+() -]{0,20}$/)), { maxLength: 4 }), callers, (numbers, typed) => {
        const who = parsePhone(typed, 'IL');
        expect(verifyNumbers(numbers, who, 'IL', 9).kept).toBe(readingEvery(numbers, who));
      }),
      { numRuns: 2_000 },
    );
  });
});
