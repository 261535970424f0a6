import fc from 'fast-check';
import { JSONPath } from 'jsonpath-plus';
import { describe, expect, it } from 'vitest';
import { MAX_RECORDS, recordsOf } from './records';

describe("recordsOf: a CRM answer's records, no more than the cap", () => {
  it('reads the first 100 of 20,000, and counts them all', () => {
    const json = { data: { items: Array.from({ length: 20_000 }, (_, i) => ({ item: { id: i } })) } };
    const { items, returned } = recordsOf(json, '$.data.items[*].item');
    expect(returned).toBe(20_000);
    expect(items).toHaveLength(MAX_RECORDS);
    expect(items[99]).toEqual({ id: 99 });
  });

  it('finds what jsonpath-plus finds, in the same order, for any answer and any path of names, indices and *', () => {
    const name = fc.constantFrom('data', 'items', 'item', 'a', '0', '1', 'length', 'x y');
    const path = fc.array(fc.oneof(name, fc.constant('*')), { minLength: 0, maxLength: 4 }).map((steps) => `$${steps.map((s) => (s === '*' ? '[*]' : `['${s}']`)).join('')}`);
    const key = fc.constantFrom('data', 'items', 'item', 'a', '0', '1', 'x y', 'z');
    const answer = fc.letrec((tie) => ({
      value: fc.oneof({ depthSize: 'small' }, fc.constant(null), fc.integer(), fc.string({ maxLength: 3 }), fc.boolean(), fc.array(tie('value'), { maxLength: 4 }), fc.dictionary(key, tie('value'), { maxKeys: 4 })),
    })).value;
    fc.assert(
      fc.property(answer, path, (json, p) => {
        // jsonpath-plus finds nothing, not even an empty list, in an answer that is null, false, 0 or "".
        const all = JSONPath<unknown[] | undefined>({ path: p, json: json as object, wrap: true }) ?? [];
        expect(recordsOf(json, p)).toEqual({ items: all.slice(0, MAX_RECORDS), returned: all.length });
      }),
      { numRuns: 3_000 },
    );
  });

  it('leaves any other path to jsonpath-plus (a filter, a descent), still capped', () => {
    const json = { data: Array.from({ length: 300 }, (_, i) => ({ id: i, deep: { id: -i } })) };
    expect(recordsOf(json, '$.data[?(@.id >= 50)]')).toMatchObject({ returned: 250, items: expect.arrayContaining([{ id: 50, deep: { id: -50 } }]) as unknown[] });
    expect(recordsOf(json, '$.data[?(@.id >= 50)]').items).toHaveLength(MAX_RECORDS);
    expect(recordsOf(json, '$..deep').returned).toBe(300);
  });
});
