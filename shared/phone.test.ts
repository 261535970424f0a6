import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parsePhone, phoneSuffix } from './phone';

describe('parsePhone', () => {
  it.each(['972722776772', '0722776772', '+972-72-277-6772', '072 277 6772', '(072) 277-6772', '00972722776772'])(
    'reads %j as +972722776772',
    (input) => {
      expect(parsePhone(input, 'IL')).toMatchObject({ e164: '+972722776772', local: '072-277-6772', withheld: false });
    },
  );

  it.each(['', '  ', 'Anonymous', 'private', 'RESTRICTED', 'Unknown'])('reads %j as withheld', (input) => {
    expect(parsePhone(input, 'IL')).toMatchObject({ e164: null, withheld: true, raw: '' });
  });

  it('reads a foreign number sent without the plus', () => {
    expect(parsePhone('12025550123', 'IL')).toMatchObject({ e164: '+12025550123', local: '+1 202 555 0123' });
  });

  it('keeps the digits of a number it cannot understand, for suffix matching', () => {
    const phone = parsePhone('*5123', 'IL');
    expect(phone).toMatchObject({ e164: null, digits: '5123', withheld: false });
  });

  it('gives the same 9-digit suffix for every form of one number', () => {
    const forms = ['972722776772', '0722776772', '+972 72-277-6772'].map((f) => phoneSuffix(parsePhone(f, 'IL'), 9));
    expect(new Set(forms)).toEqual(new Set(['722776772']));
  });

  it('writes numbers for people: national for the home country, international otherwise', () => {
    expect(parsePhone('972722776772', 'IL').local).toBe('072-277-6772');
    expect(parsePhone('+12025550123', 'IL').local).toBe('+1 202 555 0123');
  });

  it('never throws', () => {
    fc.assert(fc.property(fc.string({ maxLength: 200 }), (s) => void parsePhone(s, 'IL')), { numRuns: 2000 });
  });
});
