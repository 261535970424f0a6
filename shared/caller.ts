/**
 * How a caller is named wherever a person reads it (the extension's notification and popup, the
 * console): the CRM's name first, then Voicenter's caller name, then the number.
 */

/** What the rule needs of a call (a live call, a logged one, a notification's). */
export interface CallerFields {
  identity: { name: string } | null;
  callerName: string;
  phone: { raw: string; local: string; withheld: boolean };
}

/** The number as people write it (the relay formats it for its country), or words when there is none. */
export function numberForPeople(call: Pick<CallerFields, 'phone'>): string {
  if (call.phone.withheld) return 'Withheld number';
  return call.phone.local || call.phone.raw;
}

/** Who is calling, in the order an agent trusts: the CRM, then Voicenter's caller name, then the number. */
export function callerTitle(call: CallerFields): string {
  return call.identity?.name || call.callerName || numberForPeople(call);
}
