import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { popup, startRelay } from '../relay/tests/helpers';
import { nav, signInToConsole } from './console-page';
import { expect, ring, signInThroughOptions, test } from './fixtures';
import { expectAccessible } from './language';
import { drawNotification, keepPicture, SCREENSHOTS } from './pictures';

test.describe('the supervisor console', () => {
  test('shows an agent connecting and a call ringing live, then the call in the log', async ({ context, extensionId, relay, desktop }) => {
    const page = await context.newPage();
    await signInToConsole(page, relay);
    const agents = page.getByRole('table', { name: 'Agents' });
    const dana = agents.getByRole('row').filter({ hasText: 'KGpK4iWq' });
    // The agent by name, its extension user beside it.
    await expect(dana.getByRole('cell').first()).toHaveText('Dana Cohen KGpK4iWq');
    await expect(dana).toContainText('not connected');

    // The agent signs in through the extension: the console follows without a reload.
    const options = await signInThroughOptions(context, extensionId, relay);
    await expect(options.getByText('Connected', { exact: true })).toBeVisible();
    await expect(dana.getByRole('cell').nth(1)).toHaveText('connected');
    await expect(dana.getByRole('cell').nth(2)).toHaveText('1');

    await ring(relay, { ivrid: 'console-1', phone: '972722776772' });
    const call = page.getByRole('table', { name: 'Live calls' }).getByRole('row').filter({ hasText: 'Nikita Karpushin' });
    await expect(call).toContainText('ringing');
    await expect(call).toContainText('Dana Cohen (ringing)');
    await expect(call).toContainText('Voicenter');

    await page.bringToFront();
    keepPicture(`${SCREENSHOTS}/console.png`, await page.screenshot());
    await expect.poll(() => desktop.open().length).toBe(1);
    await drawNotification(await context.newPage(), desktop.open()[0]!, `${SCREENSHOTS}/notification.png`);

    await popup(relay, { ivrid: 'console-1', extenUser: 'KGpK4iWq', status: 'Hangup', cause: 'NO ANSWER' });
    await expect(page.getByText('No calls right now.')).toBeVisible();
    await nav(page, 'Call log');
    const logged = page.getByRole('table', { name: 'Call log' }).getByRole('row').filter({ hasText: 'Nikita Karpushin' });
    await expect(logged).toContainText('missed');
    await expect(logged).toContainText('Dana Cohen');
    // The agent filter takes a name as the supervisor knows it.
    await page.getByLabel('Agent (name or extension user)').fill('avi');
    await page.getByRole('button', { name: 'Filter' }).click();
    await expect(page.getByText('No calls match.')).toBeVisible();
    await page.getByLabel('Agent (name or extension user)').fill('dana coh');
    await page.getByLabel('Missed only').check();
    await page.getByRole('button', { name: 'Filter' }).click();
    await expect(logged).toBeVisible();
    const download = page.waitForEvent('download');
    await page.getByRole('link', { name: 'Export CSV' }).click();
    const saved = await download;
    expect(saved.suggestedFilename()).toMatch(/^calls-\d{4}-\d{2}-\d{2}\.csv$/);
    const csv = readFileSync(await saved.path(), 'utf8').split('\n');
    expect(csv[0]).toContain('ivrid,direction,phone');
    // Only what is filtered (missed calls): this one, ended when its agent stopped ringing.
    expect(csv.filter((line) => line.trim() !== '')).toHaveLength(2);
    expect(csv[1]).toMatch(/^console-1,incoming,972722776772,.*Nikita Karpushin.*,\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,,\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,.*,\d+,0,missed,,,KGpK4iWq,Dana Cohen\r?$/);
  });

  test('uploads contacts and agents from CSV files with a bad row each, previewed first, and tests a number', async ({ context, relay }) => {
    const page = await context.newPage();
    await signInToConsole(page, relay);
    await nav(page, 'Directory');
    const file = join(mkdtempSync(join(tmpdir(), 'console-csv-')), 'contacts.csv');
    writeFileSync(file, 'name,company,phone,id\nNoa Bar,Globex,054-7654321,g-1\nNo Number,Globex,,g-2\n');
    await page.getByLabel('CSV file').setInputFiles(file);
    await page.getByRole('button', { name: 'Preview' }).click();
    await expect(page.getByText('1 rows ready to import; 1 bad rows will be left out.')).toBeVisible();
    await expect(page.getByRole('table', { name: 'Bad rows' })).toContainText('3no phone number');
    expect(await relay.directory.search('Noa')).toEqual([]);
    await page.getByRole('button', { name: 'Import', exact: true }).click();
    await expect(page.getByText('Imported: 1 new, 0 updated; 1 bad rows left out.')).toBeVisible();
    await expect(page.getByRole('table', { name: 'Contacts' })).toContainText('Noa Bar');

    await page.getByLabel('Search contacts').fill('Globex');
    await page.getByRole('button', { name: 'Search' }).click();
    await page.getByRole('button', { name: 'Edit Noa Bar' }).click();
    await page.getByLabel('Company').fill('Globex Israel');
    await page.getByRole('button', { name: 'Save' }).click();
    await expect(page.getByRole('table', { name: 'Contacts' })).toContainText('Globex Israel');

    await nav(page, 'Agents');
    const agentsFile = join(mkdtempSync(join(tmpdir(), 'console-csv-')), 'agents.csv');
    writeFileSync(agentsFile, 'extenUser,name,password\nNEW1,Noa Bar,\nKGpK4iWq,Dana again,x\n');
    await page.getByLabel('CSV file', { exact: true }).setInputFiles(agentsFile);
    await page.getByRole('button', { name: 'Preview' }).click();
    await expect(page.getByText('1 agents ready to add; 1 bad rows will be left out.')).toBeVisible();
    await expect(page.getByRole('table', { name: 'Bad rows' })).toContainText('3agent KGpK4iWq already exists');
    await page.getByRole('button', { name: 'Import', exact: true }).click();
    await expect(page.getByText('Added 1 agents; 1 bad rows left out.')).toBeVisible();
    await expect(page.getByRole('table', { name: 'Generated passwords (shown only now)' })).toContainText('NEW1');
    await expect(page.getByRole('table', { name: 'Agents' })).toContainText('Noa Bar');

    await nav(page, 'Settings');
    await page.getByLabel('Line number').fill('077-670-7528');
    await page.getByLabel('Name', { exact: true }).fill('Sales');
    await page.getByRole('button', { name: 'Save name' }).click();
    await expect(page.getByRole('table', { name: 'Line names' })).toContainText('077-670-7528Sales');

    await nav(page, 'Sources');
    await expect(page.getByRole('table', { name: 'Lookup chain' })).toContainText('directory');
    await page.getByLabel('Phone number').fill('+972 54-765-4321');
    await page.getByRole('button', { name: 'Test' }).click();
    await expect(page.getByText('"CLIENTNAME": "Noa Bar"')).toBeVisible();
    await expect(page.getByRole('table', { name: 'Trace' })).toContainText('matched');
  });

  test('says when the relay cannot be reached, and recovers by itself when it is back', async ({ context }) => {
    const dataDir = mkdtempSync(join(tmpdir(), 'e2e-console-down-'));
    let relay = await startRelay({ RELAY_DATA_DIR: dataDir });
    const port = Number(new URL(relay.url).port);
    const page = await context.newPage();
    try {
      await signInToConsole(page, relay);
      await expect(page.getByRole('heading', { level: 2, name: 'Live' })).toBeVisible();
      const banner = page.getByText('The relay cannot be reached: what is shown may be out of date.');
      await expect(banner).toBeHidden();
      await relay.stop();
      await expect(banner).toBeVisible();
      // A page's own request says so in words too (not "Failed to fetch").
      await nav(page, 'Agents');
      await expect(page.getByText('The relay cannot be reached: check that it is running, then try again.')).toBeVisible();
      relay = await startRelay({ RELAY_DATA_DIR: dataDir, PORT: port });
      await expect(banner).toBeHidden({ timeout: 20_000 });
      await nav(page, 'Live');
      await expect(page.getByText('No calls right now.')).toBeVisible();
    } finally {
      await relay.stop();
    }
  });

  test('every page passes an accessibility check (axe-core: no serious or critical violations)', async ({ context, relay }) => {
    const page = await context.newPage();
    const check = (what: string) => expectAccessible(page, what);
    await page.goto(`${relay.url}/`);
    await expect(page.getByRole('button', { name: 'Sign in' })).toBeVisible();
    await check('sign-in');
    await ring(relay, { ivrid: 'axe-1', phone: '0501234567' });
    await signInToConsole(page, relay);
    for (const [name, ready] of [
      ['Live', 'Live calls'],
      ['Call log', 'Filter'],
      ['Agents', 'Add agent'],
      ['Directory', 'Preview'],
      ['Sources', 'Test'],
      ['Settings', 'Copy'],
    ] as const) {
      await nav(page, name);
      await expect(page.getByRole('heading', { level: 2, name })).toBeVisible();
      await expect(page.getByText(ready, { exact: true }).first()).toBeVisible();
      await check(name);
    }
  });
});
