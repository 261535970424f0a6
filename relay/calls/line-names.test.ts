import { afterAll, describe, expect, it } from 'vitest';
import { ENGINES, freshPostgres } from '../tests/services';
import { storePerTest } from '../tests/per-test';
import { LineNames, lineNumberSchema } from './line-names';

/** Line names on both engines: one stored form for every way a number is written. */
const database = await freshPostgres();
afterAll(async () => {
  await database?.drop();
});

describe('lineNumberSchema', () => {
  it('takes a number as people type it, and refuses what is not one', () => {
    for (const typed of ['03-765-4321', ' +972 3 765 4321 ', '(03) 765.4321', '2700', '972-3-7654321']) expect(lineNumberSchema.safeParse(typed).success, typed).toBe(true);
    for (const bad of ['', 'sales', '12', '03-765-4321 ext 2', '+', '1'.repeat(21)]) expect(lineNumberSchema.safeParse(bad).success, bad).toBe(false);
  });
});

describe.each(ENGINES)('LineNames on %s', (engine) => {
  const open = storePerTest(engine, database);

  it('keeps one name per line whatever form it was typed or sent in', async ({ skip }) => {
    const { sql } = await open(skip);
    const lines = await LineNames.load(sql, 'IL');
    expect(await lines.set('03-765-4321', 'Sales')).toEqual({ line: '+97237654321', local: '03-765-4321', name: 'Sales' });
    await lines.set('+972 3 765 4321', 'Sales desk');
    for (const did of ['037654321', '97237654321', '+97237654321', '03-7654321']) expect(lines.name(did), did).toBe('Sales desk');
    // A short number has no E.164 form: its digits are the line.
    await lines.set('27-00', 'Shortcode');
    expect(lines.name('2700')).toBe('Shortcode');
    expect(lines.list().map((l) => [l.line, l.local, l.name])).toEqual([['+97237654321', '03-765-4321', 'Sales desk'], ['2700', '2700', 'Shortcode']]);
    expect((await LineNames.load(sql, 'IL')).name('03-765-4321')).toBe('Sales desk');
    expect(await lines.remove('(03) 765-4321')).toBe(true);
    expect(lines.name('037654321')).toBe('');
  });

  it('moves a name kept under the digits alone (before numbers were read) to the one form, once', async ({ skip }) => {
    const sql = (await open(skip)).sql;
    await sql.run("INSERT INTO relay_settings (key, value) VALUES ('line-name:037654321', 'Old sales')");
    const lines = await LineNames.load(sql, 'IL');
    expect(lines.name('+972-3-765-4321')).toBe('Old sales');
    expect(await sql.all("SELECT key, value FROM relay_settings WHERE key LIKE 'line-name:%'")).toEqual([{ key: 'line-name:+97237654321', value: 'Old sales' }]);
  });
});
