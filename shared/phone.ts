import { isSupportedCountry, parsePhoneNumberFromString, type CountryCode, type PhoneNumber } from 'libphonenumber-js/max';

/** A caller's number as Voicenter sent it, and the forms lookups and people need. */
export interface Phone {
  /** Exactly what Voicenter sent (trimmed); "" when withheld. */
  raw: string;
  /** E.164 (`+972722776772`) when the number could be understood, else null. */
  e164: string | null;
  /** Digits only, of the E.164 form when known, else of what was sent. */
  digits: string;
  /** The number in the country's own national format when it is in `country`, else `raw`. */
  local: string;
  /** True when the caller withheld the number (empty, "Anonymous", "Private", ...). */
  withheld: boolean;
}

/** Words Voicenter and carriers use instead of a number when the caller hides it. */
const WITHHELD = new Set(['', 'anonymous', 'private', 'restricted', 'unknown', 'unavailable', 'withheld']);

/** Country codes libphonenumber-js knows; anything else is rejected at config time. */
export function isCountryCode(value: string): value is CountryCode {
  return isSupportedCountry(value);
}

function understand(text: string, country: CountryCode): PhoneNumber | undefined {
  const asSent = parsePhoneNumberFromString(text, country);
  if (asSent?.isValid()) return asSent;
  // Voicenter sends international numbers without the plus (972722776772).
  const digits = text.replace(/\D/g, '');
  if (!text.trimStart().startsWith('+') && digits.length > 7) {
    const international = parsePhoneNumberFromString(`+${digits}`);
    if (international?.isValid()) return international;
  }
  // A number in a block libphonenumber does not list yet is still better matched by E.164.
  return asSent?.isPossible() ? asSent : undefined;
}

/** Reads a caller number in any form Voicenter or a CRM writes it. Never throws. */
export function parsePhone(input: string | null | undefined, country: CountryCode): Phone {
  const raw = (input ?? '').trim();
  if (WITHHELD.has(raw.toLowerCase()) || !/\d/.test(raw)) {
    return { raw: WITHHELD.has(raw.toLowerCase()) ? '' : raw, e164: null, digits: '', local: '', withheld: true };
  }
  const parsed = raw.length <= 64 ? understand(raw, country) : undefined;
  if (!parsed) {
    return { raw, e164: null, digits: raw.replace(/\D/g, ''), local: raw, withheld: false };
  }
  return {
    raw,
    e164: parsed.number,
    digits: parsed.number.slice(1),
    local: parsed.country === country ? parsed.formatNational() : parsed.formatInternational(),
    withheld: false,
  };
}

/** The last `n` digits of a number, the key of the directory's suffix match. */
export function phoneSuffix(phone: Pick<Phone, 'digits'>, n: number): string {
  return phone.digits.slice(-n);
}
