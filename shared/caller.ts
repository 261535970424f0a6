/**
 * How a caller is named wherever a person reads it (the extension's notification and popup, the
 * console): the CRM's name first, then Voicenter's caller name, then the number.
 */

/** The words these rules use, in the reader's language (each UI passes its own catalogue's). */
export interface CallerWords {
  unknownCaller: string;
  withheldNumber: string;
  /** "Queue: <name>" */
  queue: (name: string) => string;
  /** "Line <name>" */
  line: (name: string) => string;
}

/** The keys both catalogues (the extension's and the console's) name these words by. */
export type CallerWordKey = 'unknownCaller' | 'withheldNumber' | 'queueLabel' | 'lineLabel';

/** The caller words from a catalogue's lookup (`t`). */
export const callerWordsFrom = (t: (key: CallerWordKey, ...substitutions: string[]) => string): CallerWords => ({
  unknownCaller: t('unknownCaller'),
  withheldNumber: t('withheldNumber'),
  queue: (name) => t('queueLabel', name),
  line: (name) => t('lineLabel', name),
});

/** What the rule needs of a call (a live call, a logged one, a notification's). */
export interface CallerFields {
  identity: { name: string; status?: string } | null;
  callerName: string;
  phone: { raw: string; local: string; withheld: boolean };
}

/** The number as people write it (the relay formats it for its country), or words when there is none. */
export function numberForPeople(call: Pick<CallerFields, 'phone'>, words: CallerWords): string {
  if (call.phone.withheld) return words.withheldNumber;
  return call.phone.local || call.phone.raw;
}

/**
 * Who is calling: the name the CRM or directory gave; "Unknown caller" when nobody has the number;
 * else (still looking, withheld) the number. Voicenter's `callerName` is never shown as a person's
 * name: it is the queue or line the call came in on (see `lineOf`).
 */
export function callerTitle(call: CallerFields, words: CallerWords): string {
  if (call.identity?.name) return call.identity.name;
  if (call.identity?.status === 'unknown' && !call.phone.withheld) return words.unknownCaller;
  return numberForPeople(call, words);
}

/**
 * Which queue or line the call came in on: Voicenter's caller name (a queue's label) and the
 * number dialled — by the name the supervisor gave that line, when there is one.
 */
export function lineOf(call: { callerName: string; did: string; line?: string }, words: CallerWords): string {
  const line = call.line || call.did;
  return [call.callerName && words.queue(call.callerName), line && words.line(line)].filter(Boolean).join(' · ');
}
