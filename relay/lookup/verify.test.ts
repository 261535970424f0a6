import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parsePhone } from '../../shared/phone';
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
});
