import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ImportPreview } from '../../shared/console';
import { DEFAULT_LOOKUP } from '../lookup/config';
import { Console, PASSWORD } from './console-client';
import { popup, startRelay, type TestRelay } from './helpers';

/** The console's directory upload limit is 20 MB: a whole CRM export of this size is let in. */
const ROWS = 100_000;

/** ~169 bytes a row, 100,000 rows: ~16.9 MB, the size of the upload that froze the relay. */
function crmExport(): string {
  const lines = ['id,name,company,phone,phone2,url'];
  for (let i = 0; i < ROWS; i++) {
    const n = String(i).padStart(7, '0');
    lines.push(`crm-${n},Contact ${n} Cohen-Levi,Company ${n} Trading Group Ltd,+97252${n},+9723${n},https://crm.example.com/contacts/${n}?ref=directory-export-2024`);
  }
  return `${lines.join('\n')}\n`;
}

describe('a maximum-size directory upload', () => {
  let relay: TestRelay;
  beforeEach(async () => {
    relay = await startRelay();
    await relay.admins.setPassword('admin', PASSWORD);
    await relay.directory.upsert({ id: 'dana', name: 'Dana', company: 'Acme', url: '', phones: ['0501234567'] });
  });
  afterEach(() => relay.stop());

  it('leaves every Voicenter pop-up answered within the budget, naming the caller, while it is imported', async () => {
    const csv = crmExport();
    expect(csv.length).toBeGreaterThan(16_000_000);
    const c = await Console.signIn(relay);
    let importing = true;
    const upload = c.call('/contacts/import', { method: 'POST', body: csv, type: 'text/csv' }).finally(() => (importing = false));
    const answers: { ms: number; status: number; name: unknown }[] = [];
    for (let n = 0; importing; n++) {
      const sent = performance.now();
      const { status, body } = await popup(relay, { ivrid: `big-${n}`, extenUser: 'A1', phone: '0501234567', status: 'Ringing' });
      answers.push({ ms: Math.round(performance.now() - sent), status, name: body.CLIENTNAME });
    }
    const done = await upload;
    expect(done.status).toBe(200);
    expect(done.body as ImportPreview).toEqual({ good: ROWS, added: ROWS, updated: 0, bad: [] });
    // Enough calls to have spanned the import, not one that happened to come before it.
    expect(answers.length).toBeGreaterThan(5);
    const late = answers.filter((a) => a.ms >= DEFAULT_LOOKUP.budgetMs || a.status !== 200 || a.name !== 'Dana');
    expect(late, `${answers.length} calls, slowest ${Math.max(...answers.map((a) => a.ms))} ms`).toEqual([]);
    expect((await c.call('/contacts?q=Contact 0099999')).body.total).toBe(ROWS + 1);
  }, 180_000);
});
