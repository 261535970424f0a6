import { parsePhoneNumberFromString } from 'libphonenumber-js/max';
import type { Phone } from '../../shared/phone';

/** Placeholders every template may use; sources add their own parameters (e.g. {portalId}). */
/**
 * `e164` +972722776772 · `digits` 972722776772 · `local` 072-277-6772 · `national` 0722776772 ·
 * `nsn` 722776772 (the national significant number: no country code, no trunk prefix) · `phone`
 * as Voicenter sent it · `suffix` the last N digits · `id` a record's id (record links).
 */
export const PHONE_PLACEHOLDERS = ['e164', 'digits', 'local', 'national', 'nsn', 'phone', 'suffix', 'id'] as const;

const PLACEHOLDER = /\{([A-Za-z][\w]*)\}/g;

/** The values of the phone placeholders for a number. */
export function phoneValues(phone: Phone, suffixDigits: number, id = ''): Record<string, string> {
  return {
    e164: phone.e164 ?? '',
    digits: phone.digits,
    local: phone.local,
    national: phone.local.replace(/\D/g, ''),
    // Parsed again only when a template asks for it (`fill` tests a name with `in`, which reads no getter):
    // the directory fills its links on every call and never uses it.
    get nsn() {
      return phone.e164 ? (parsePhoneNumberFromString(phone.e164)?.nationalNumber ?? '') : phone.digits;
    },
    phone: phone.raw,
    suffix: phone.digits.slice(-suffixDigits),
    id,
  };
}

/** Fills `{name}` placeholders; `encode` escapes each value for where it goes (URL, header, JSON). */
export function fill(template: string, values: Record<string, string>, encode: (v: string) => string = encodeURIComponent): string {
  return template.replace(PLACEHOLDER, (whole, name: string) => (name in values ? encode(values[name]!) : whole));
}

/** The placeholder names a template uses (config validation rejects unknown ones). */
export function placeholders(template: string): string[] {
  return [...template.matchAll(PLACEHOLDER)].map((m) => m[1]!);
}
