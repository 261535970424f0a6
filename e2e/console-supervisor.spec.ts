import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse as parseCsv } from 'csv-parse/sync';
import { popup, startRelay } from '../relay/tests/helpers';
import { confirmNext, nav, signInToConsole } from './console-page';
import { expect, ring, signInThroughOptions, test } from './fixtures';
import { expectAccessible } from './language';

/** A supervisor's first day in the console: what an export says, what each page says in words, and undoing mistakes. */
test.describe('the console on a supervisor\'s first day', () => {
  test('exports the call log in the supervisor\'s own time zone, with the line and how long calls rang and talked', async ({ context, relay }) => {
    const page = await context.newPage();
    // The supervisor's browser is in Israel; the relay (this machine) keeps UTC.
    await (await context.newCDPSession(page)).send('Emulation.setTimezoneOverride', { timezoneId: 'Asia/Jerusalem' });
    await signInToConsole(page, relay);
    await nav(page, 'Settings');
    await page.getByLabel('Line number').fill('+972 72-277-0000');
    await page.getByLabel('Name', { exact: true }).fill('Support');
    await page.getByRole('button', { name: 'Save name' }).click();
    await expect(page.getByRole('table', { name: 'Line names' })).toContainText('072-277-0000Support');

    await ring(relay, { ivrid: 'csv-1', phone: '0722776772', did: '0722770000' });
    await popup(relay, { ivrid: 'csv-1', extenUser: 'KGpK4iWq', status: 'Talking' });
    await popup(relay, { ivrid: 'csv-1', extenUser: 'KGpK4iWq', status: 'Hangup', cause: 'NORMAL' });
    await nav(page, 'Call log');
    const row = page.getByRole('table', { name: 'Call log' }).getByRole('row').filter({ hasText: 'Nikita Karpushin' });
    await expect(row).toContainText('Support');
    await expect(row).toContainText('Dana Cohen');
    await expectAccessible(page, 'Call log with a call');

    const download = page.waitForEvent('download');
    await page.getByRole('link', { name: 'Export CSV' }).click();
    const [exported] = parseCsv<Record<string, string>>(readFileSync(await (await download).path(), 'utf8'), { bom: true, columns: true });
    const started = (await relay.sql.get<{ started_at: number }>("SELECT started_at FROM calls WHERE ivrid = 'csv-1'"))!.started_at;
    expect(exported).toMatchObject({
      ivrid: 'csv-1', line: '0722770000', lineName: 'Support', outcome: 'answered', answeredBy: 'KGpK4iWq', answeredByName: 'Dana Cohen',
      startedAt: new Date(started).toLocaleString('sv-SE', { timeZone: 'Asia/Jerusalem' }),
    });
    expect(exported!.timeZone).toMatch(/^Asia\/Jerusalem \(UTC\+0[23]:00\)$/);
    expect(exported!.endedAt).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/);
    expect(exported!.ringSeconds).toMatch(/^\d+$/);
    expect(exported!.talkSeconds).toMatch(/^\d+$/);
  });

  test('deletes a contact and removes an agent, each once confirmed; the agent\'s browser is signed out at once', async ({ context, extensionId, relay }) => {
    const page = await context.newPage();
    const options = await signInThroughOptions(context, extensionId, relay);
    await expect(options.getByText('Connected', { exact: true })).toBeVisible();
    await signInToConsole(page, relay);

    await nav(page, 'Directory');
    const contacts = page.getByRole('table', { name: 'Contacts' });
    // Cancelled: nothing changes.
    let asked = confirmNext(page, 'Delete the contact Nikita Karpushin?', false);
    await page.getByRole('button', { name: 'Delete Nikita Karpushin' }).click();
    await asked;
    await expect(contacts).toContainText('Nikita Karpushin');
    asked = confirmNext(page, 'Delete the contact Nikita Karpushin?');
    await page.getByRole('button', { name: 'Delete Nikita Karpushin' }).click();
    await asked;
    await expect(page.getByText('Nikita Karpushin is deleted from the directory.')).toBeVisible();
    await expect(contacts).not.toContainText('Nikita Karpushin');
    expect((await ring(relay, { ivrid: 'deleted-1', phone: '0722776772' })).body).toMatchObject({ CLIENTNAME: '' });
    await expectAccessible(page, 'Directory after a deletion');

    await nav(page, 'Agents');
    asked = confirmNext(page, /^Remove Dana Cohen \(KGpK4iWq\)\? Its browsers are signed out at once/);
    await page.getByRole('button', { name: 'Remove Dana Cohen (KGpK4iWq)' }).click();
    await asked;
    await expect(page.getByText('Dana Cohen (KGpK4iWq) removed: its browsers are signed out.')).toBeVisible();
    await expect(page.getByRole('table', { name: 'Agents' })).not.toContainText('Dana Cohen');
    await expect(options.getByText('Signed out — sign in again')).toBeVisible();
    await expectAccessible(page, 'Agents after a removal');
  });

  test('lists, adds and removes administrators, and says why the last one stays', async ({ context, relay }) => {
    const page = await context.newPage();
    await signInToConsole(page, relay);
    await nav(page, 'Settings');
    const admins = page.getByRole('table', { name: 'Administrators' });
    await expect(admins).toContainText('admin (you)');
    await expect(page.getByRole('button', { name: 'Remove administrator admin' })).toBeDisabled();
    await expect(page.getByText('The only administrator cannot be removed: add another first.')).toBeVisible();
    await expectAccessible(page, 'Settings with one administrator');

    const form = page.getByRole('form', { name: 'Add an administrator' });
    await form.getByLabel('Username').fill('noa');
    await form.getByLabel('Password (at least 8 characters)').fill('noa-password');
    await form.getByRole('button', { name: 'Add administrator' }).click();
    await expect(page.getByText('Administrator noa is added: they can sign in now.')).toBeVisible();
    await expect(admins.getByRole('row')).toHaveCount(3);

    // Another console removed noa meanwhile: removing oneself is refused, and the page says why.
    await relay.admins.remove('noa');
    let asked = confirmNext(page, 'Remove your own account, admin? You are signed out at once.');
    await page.getByRole('button', { name: 'Remove administrator admin' }).click();
    await asked;
    await expect(page.getByText('This is the only administrator: add another before removing it, or nobody could sign in to the console.')).toBeVisible();
    expect((await relay.admins.list()).map((a) => a.username)).toEqual(['admin']);

    await relay.admins.add('avi', 'avi-password');
    await nav(page, 'Live');
    await nav(page, 'Settings');
    asked = confirmNext(page, 'Remove administrator avi? Their console sessions end at once.');
    await page.getByRole('button', { name: 'Remove administrator avi' }).click();
    await asked;
    await expect(page.getByText('Administrator avi is removed.')).toBeVisible();
    await expect(admins.getByRole('row')).toHaveCount(2);
  });

  test('says what each lookup source\'s state means, counting down to a failing one\'s next try', async ({ context }) => {
    const dir = mkdtempSync(join(tmpdir(), 'e2e-sources-'));
    const config = join(dir, 'relay.yaml');
    // A CRM nobody answers at (a closed port): one failure opens its circuit for 30 s.
    writeFileSync(config, 'lookup:\n  circuit: { failures: 1, cooldownSeconds: 30 }\nsources:\n  - kind: directory\n  - kind: voicenter-forward\n    name: crm\n    url: http://127.0.0.1:9/lookup\n    timeoutMs: 500\n');
    const relay = await startRelay({ RELAY_CONFIG: config });
    try {
      const page = await context.newPage();
      await signInToConsole(page, relay);
      await nav(page, 'Sources');
      const chain = page.getByRole('table', { name: 'Lookup chain' });
      await expect(chain.getByRole('row').filter({ hasText: 'crm' })).toContainText('answering');
      await popup(relay, { ivrid: 'src-1', extenUser: 'A1', phone: '0501234567', status: 'Ringing' });
      await nav(page, 'Live');
      await nav(page, 'Sources');
      const crm = chain.getByRole('row').filter({ hasText: 'crm' }).getByRole('cell').nth(3);
      await expect(crm).toHaveText(/^failing — asked again in (30|29|28) s$/);
      const first = await crm.textContent();
      await expect(crm).not.toHaveText(first!);
      await expect(chain.getByRole('row').filter({ hasText: 'directory' })).toContainText('answering');
      await expectAccessible(page, 'Sources with a failing source');
      await page.getByRole('combobox', { name: 'Language' }).selectOption('he');
      await expect(page.getByRole('table', { name: 'שרשרת החיפוש' }).getByRole('row').filter({ hasText: 'crm' })).toContainText(/נכשל — ייבדק שוב בעוד \d+ שנ׳/);
    } finally {
      await relay.stop();
    }
  });
});
