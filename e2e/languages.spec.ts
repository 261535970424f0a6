import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BrowserContext, Page } from '@playwright/test';
import { popup } from '../relay/tests/helpers';
import { expect, launch, optionsPage, ring, serviceWorker, signInThroughOptions, test } from './fixtures';
import { expectAccessible, expectHebrewPage, expectWholeNumber, untranslatedWords } from './language';
import { drawNotification, keepPicture, SCREENSHOTS } from './pictures';

/** The seeded people, extension users and relay words an agent's page shows as they are. */
const DATA = ['Dana Cohen', 'KGpK4iWq', 'Nikita Karpushin', 'Voicenter', 'directory'];
const FSI = '\u2068';
const LRI = '\u2066';
const PDI = '\u2069';

async function popupPage(context: BrowserContext, extensionId: string): Promise<Page> {
  const page = await context.newPage();
  await page.setViewportSize({ width: 380, height: 420 });
  await page.goto(`chrome-extension://${extensionId}/extension/popup.html`);
  return page;
}

test.describe('in Hebrew, right to left', () => {
  test('a Hebrew browser: options page, notification, popup and toolbar in Hebrew; numbers whole; accessible', async ({ relay, desktop }) => {
    const dir = mkdtempSync(join(tmpdir(), 'e2e-he-'));
    const context = await launch(dir, desktop, 'he');
    try {
      await expect.poll(() => context.pages().some((p) => p.url().endsWith('/extension/options.html')), { timeout: 15_000 }).toBe(true);
      const worker = await serviceWorker(context);
      const extensionId = new URL(worker.url()).host;
      const options = await optionsPage(context, extensionId);
      await expectHebrewPage(options);
      await options.getByLabel('כתובת השרת (Relay)').fill(relay.url);
      await options.getByLabel('משתמש שלוחה').fill('KGpK4iWq');
      await options.getByLabel('סיסמה').fill('dana-pass');
      await options.getByRole('button', { name: 'כניסה' }).click();
      await expect(options.getByRole('status')).toHaveText('מחובר');
      expect(await untranslatedWords(options, DATA)).toEqual([]);
      await expectAccessible(options, 'options (he)');
      keepPicture(`${SCREENSHOTS}/options-he.png`, await options.locator('main').screenshot());

      // A caller the directory knows by a Hebrew name, on a named queue: the number whole, left to right.
      await ring(relay, { ivrid: 'he-1', phone: '0501234567', callerName: 'תור מכירות', did: '0776707528' });
      await expect.poll(() => desktop.open()).toHaveLength(1);
      const [known] = desktop.open();
      expect(known!.summary).toBe(`${FSI}דנה כהן${PDI}`);
      expect(known!.body).toContain(`${LRI}050-123-4567${PDI}`);
      expect(known!.body).toContain('תור: תור מכירות');
      await drawNotification(await context.newPage(), known!, `${SCREENSHOTS}/notification-he.png`, 'rtl');
      await popup(relay, { ivrid: 'he-1', extenUser: 'KGpK4iWq', status: 'Ringing', cause: 'Normal hangup' });
      await expect.poll(() => desktop.open()).toEqual([]);

      await ring(relay, { ivrid: 'he-2', phone: '0541112222' });
      await expect.poll(() => desktop.open().map((n) => n.summary)).toEqual([`${FSI}מתקשר לא מזוהה${PDI}`]);
      expect(desktop.open()[0]!.actions).toContain('פתיחה ב-CRM');
      expect(await worker.evaluate(() => chrome.action.getTitle({}))).toBe('Voicenter Screen Pop — מחובר');

      const list = await popupPage(context, extensionId);
      await expectHebrewPage(list);
      await expect(list.getByRole('list', { name: 'שיחות אחרונות' }).getByRole('listitem')).toHaveCount(2);
      const missed = list.getByRole('listitem').filter({ hasText: 'דנה כהן' });
      await expect(missed).toContainText('לא נענתה');
      await expectWholeNumber(list, '050-123-4567');
      await expect(list.getByRole('listitem').filter({ hasText: 'מתקשר לא מזוהה' })).toContainText('מצלצלת עכשיו');
      expect(await untranslatedWords(list, DATA)).toEqual([]);
      await expectAccessible(list, 'popup (he)');
      keepPicture(`${SCREENSHOTS}/popup-he.png`, await list.locator('body').screenshot());
    } finally {
      await context.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('an English browser: the agent chooses Hebrew on the options page, and everything follows; English pictures', async ({ context, extensionId, relay, desktop }) => {
    const options = await signInThroughOptions(context, extensionId, relay);
    await expect(options.getByText('Connected', { exact: true })).toBeVisible();
    await ring(relay, { ivrid: 'en-1', phone: '0722776772', callerName: 'Queue Sales' });
    await expect.poll(() => desktop.open()).toHaveLength(1);
    await popup(relay, { ivrid: 'en-1', extenUser: 'KGpK4iWq', status: 'Ringing', cause: 'Normal hangup' });
    await ring(relay, { ivrid: 'en-2', phone: '0501234567' });
    await expect.poll(() => desktop.open().map((n) => n.id)).toHaveLength(1);
    const english = await popupPage(context, extensionId);
    await expect(english.getByRole('listitem')).toHaveCount(2);
    await expectWholeNumber(english, '072-277-6772');
    await expectAccessible(english, 'popup (en)');
    keepPicture(`${SCREENSHOTS}/popup-en.png`, await english.locator('body').screenshot());
    await options.bringToFront();
    keepPicture(`${SCREENSHOTS}/options-en.png`, await options.locator('main').screenshot());

    await options.getByLabel('Language').selectOption('he');
    await expectHebrewPage(options);
    await expect(options.getByRole('status')).toHaveText('מחובר');
    await expect(options.getByLabel('שפה')).toHaveValue('he');
    // The worker follows: the next notification and the toolbar speak Hebrew.
    await ring(relay, { ivrid: 'en-3', phone: '0541112222' });
    await expect.poll(() => desktop.open().map((n) => n.summary)).toContain(`${FSI}מתקשר לא מזוהה${PDI}`);
    const worker = await serviceWorker(context);
    await expect.poll(() => worker.evaluate(() => chrome.action.getTitle({}))).toBe('Voicenter Screen Pop — מחובר');
    await english.reload();
    await expectHebrewPage(english);

    // Back to the browser's language.
    await options.getByLabel('שפה').selectOption('auto');
    await expect(options.getByLabel('Language')).toHaveValue('auto');
    await expect(options.locator('html')).toHaveAttribute('dir', 'ltr');
  });
});

test.describe('the console in Hebrew', () => {
  test('the supervisor switches to Hebrew: remembered, right to left, every page in Hebrew and accessible', async ({ context, relay }) => {
    await relay.admins.setPassword('admin', 'console-he-password');
    await ring(relay, { ivrid: 'console-he-1', phone: '0501234567', callerName: 'תור מכירות' });
    const page = await context.newPage();
    await page.goto(`${relay.url}/`);
    await page.getByRole('combobox', { name: 'Language' }).selectOption('he');
    await expectHebrewPage(page);
    await page.getByLabel('שם משתמש').fill('admin');
    await page.getByLabel('סיסמה').fill('console-he-password');
    await page.getByRole('button', { name: 'כניסה' }).click();
    const nav = page.getByRole('navigation', { name: 'מסוף' });
    await expect(nav).toBeVisible();
    // Remembered in this browser.
    await page.reload();
    await expect(nav).toBeVisible();
    await expectHebrewPage(page);
    // The seeded data, the CSV files' column names and Voicenter's own field name (the same in every language).
    const data = [...DATA, 'admin', 'Avi01', 'Avi Levi', relay.url, 'extenUser name password company phone id url', 'Pop-up Screen URL'];
    for (const [name, ready] of [
      ['עכשיו', 'שיחות פעילות'],
      ['יומן שיחות', 'סינון'],
      ['נציגים', 'הוספת נציג'],
      ['אנשי קשר', 'תצוגה מקדימה'],
      ['מקורות', 'בדיקה'],
      ['הגדרות', 'העתקה'],
    ] as const) {
      await nav.getByRole('link', { name, exact: true }).click();
      await expect(page.getByRole('heading', { level: 2, name, exact: true })).toBeVisible();
      await expect(page.getByText(ready, { exact: true }).first()).toBeVisible();
      expect(await untranslatedWords(page, data), name).toEqual([]);
      await expectAccessible(page, `console ${name} (he)`);
      if (name === 'עכשיו') {
        const call = page.getByRole('table', { name: 'שיחות פעילות' }).getByRole('row').filter({ hasText: 'דנה כהן' });
        await expect(call).toContainText('מצלצלת');
        await expectWholeNumber(page, '050-123-4567');
        keepPicture(`${SCREENSHOTS}/console-he.png`, await page.screenshot());
      }
    }
  });
});
