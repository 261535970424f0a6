import type { CountryCode } from 'libphonenumber-js';
import { parsePhone, type Phone } from '../../shared/phone';

/**
 * Every record a CRM returns is checked against the caller's number before it names the caller:
 * CRM searches are fuzzy (Pipedrive's term search, Salesforce's SOSL, last-digit searches), and a
 * record that merely contains the digits must never pop as the caller.
 */

/** One record a source returned, and whether it was kept (the console's "Test a number"). */
export type { Candidate } from '../../shared/console';

export type Verdict = { kept: true; how: 'exact' | 'suffix'; why: string } | { kept: false; why: string };

/**
 * Reading a number as people type it costs some 0.1 ms (libphonenumber's metadata): too much for
 * every number of a CRM's fuzzy answer. A number written in digits and punctuation only holds the
 * caller's last digits in a row if it is the caller's — written in any form, with a prefix or an
 * extension; national prefixes and carrier codes change only a number's start — so the others are
 * dropped before they are read. Letters (a vanity number, an "ext") are left to the parser.
 */
const TELLING_DIGITS = 6;
const PLAIN = /^[\d\s+().\-/]*$/;
const mayBe = (number: string, telling: string) => !PLAIN.test(number) || number.replace(/\D/g, '').includes(telling);

/**
 * Whether any of the record's numbers is the caller's: the same E.164 number (each read as
 * people type it, in the relay's country unless it says otherwise), else the same last
 * `suffixDigits` digits (numbers kept in a form the parser cannot read, or from abroad).
 */
export function verifyNumbers(numbers: string[], caller: Phone, country: CountryCode, suffixDigits: number): Verdict {
  if (numbers.length === 0) return { kept: false, why: 'the record has no phone number' };
  const telling = caller.digits.slice(-Math.min(TELLING_DIGITS, suffixDigits));
  const parsed = numbers.filter((n) => mayBe(n, telling)).map((n) => parsePhone(n, country));
  const exact = caller.e164 ? parsed.find((p) => p.e164 === caller.e164) : undefined;
  if (exact) return { kept: true, how: 'exact', why: `${exact.raw} is the caller's number` };
  const tail = caller.digits.slice(-suffixDigits);
  const suffix = tail.length === suffixDigits ? parsed.find((p) => p.digits.length >= suffixDigits && p.digits.endsWith(tail)) : undefined;
  if (suffix) return { kept: true, how: 'suffix', why: `${suffix.raw} ends in the caller's last ${suffixDigits} digits` };
  return { kept: false, why: `none of its numbers (${numbers.slice(0, 5).join(', ')}) is the caller's` };
}
