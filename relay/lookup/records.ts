import { JSONPath } from 'jsonpath-plus';

/**
 * The records of a CRM's answer (`response.items`), no more than MAX_RECORDS of them. A caller is
 * one contact, and a CRM's search names them in its first few records; checking every number of a
 * 20,000-record answer held the event loop over a second a lookup, every other call waiting.
 */
export const MAX_RECORDS = 100;
/** Numbers read from one record: a contact has a handful (Zoho lists five fields). */
export const MAX_NUMBERS = 20;

/** An answer holding more records than are read: how many it held, and how many were read. */
export interface RecordsRead {
  returned: number;
  read: number;
}

/**
 * A path of names, indices and `*` only (`$.data[*]`, `$.data.items[*].item`: every preset's) is
 * walked here, counting the records past the cap without building them; jsonpath-plus builds a
 * result (its path and parent) for each of them, which cost a 20,000-record answer three times
 * its JSON.parse, mostly in garbage collection. Any other path (filters, `..`, slices) is left to it.
 */
const PLAIN = /^[^.?():,@^~`$[\]*]+$/;

export function recordsOf(json: unknown, path: string): { items: unknown[]; returned: number } {
  if (!json) return { items: [], returned: 0 };
  const steps = JSONPath.toPathArray(path);
  if (steps[0] !== '$' || !steps.slice(1).every((s) => s === '*' || PLAIN.test(s))) {
    const all = JSONPath<unknown[] | undefined>({ path, json: json, wrap: true }) ?? [];
    return { items: all.slice(0, MAX_RECORDS), returned: all.length };
  }
  const found = { items: [] as unknown[], returned: 0 };
  walk(json, steps, 1, found);
  return found;
}

/** As jsonpath-plus reads such a path: a name where the value has it as its own (a string's too), `*` an array's elements or an object's values. */
function walk(value: unknown, steps: readonly string[], at: number, found: { items: unknown[]; returned: number }): void {
  if (at === steps.length) {
    found.returned++;
    if (found.items.length < MAX_RECORDS) found.items.push(value);
    return;
  }
  if (!value) return;
  const step = steps[at]!;
  if (step === '*') {
    if (typeof value === 'object') for (const v of Array.isArray(value) ? value : Object.values(value)) walk(v, steps, at + 1, found);
  } else if (Object.hasOwn(value, step)) {
    walk((value as Record<string, unknown>)[step], steps, at + 1, found);
  }
}
