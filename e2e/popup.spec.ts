import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BrowserContext, Page } from '@playwright/test';
import { popup, startRelay, type TestRelay } from '../relay/tests/helpers';
import { expect, launch, ring, seed, serviceWorker, signInThroughOptions, test } from './fixtures';

/** What the agent sees in the toolbar popup: its header, its call list and that list's buttons. */

/** Click-to-call set up on the relay (its Click2Call is never reached by these tests). */
const CLICK_TO_CALL = { realtime: null, click2call: { code: 'c2c-code', url: 'http://127.0.0.1:9/ForwardDialer/click2call.aspx', perAgentPerMinute: 6 }, extensions: null };

async function openPopup(context: BrowserContext, extensionId: string, height = 600): Promise<Page> {
  const page = await context.newPage();
  // As wide as the popup (popup.css), as tall as Chrome lets a popup be.
  await page.setViewportSize({ width: 380, height });
  await page.goto(`chrome-extension://${extensionId}/extension/popup.html`);
  return page;
}

/** A call that rang at the agent and ended unanswered. */
async function missed(relay: TestRelay, ivrid: string, phone: string): Promise<void> {
  await ring(relay, { ivrid, phone });
  await popup(relay, { ivrid, extenUser: 'KGpK4iWq', status: 'Hangup', cause: 'NO ANSWER' });
}

test('signed out, the popup offers sign-in and no "Sign out"; signed in, "Sign out"', async ({ context, extensionId, relay }) => {
  const page = await openPopup(context, extensionId);
  await expect(page.getByRole('button', { name: 'Open sign-in' })).toBeVisible();
  await expect(page.getByRole('button', { name: 'Settings' })).toBeVisible();
  await expect(page.getByRole('button', { name: 'Sign out' })).toBeHidden();
  const options = await signInThroughOptions(context, extensionId, relay);
  await expect(options.getByText('Connected', { exact: true })).toBeVisible();
  await expect(page.getByRole('button', { name: 'Sign out' })).toBeVisible();
  await page.getByRole('button', { name: 'Sign out' }).click();
  await expect(page.getByRole('button', { name: 'Open sign-in' })).toBeVisible();
  await expect(page.getByRole('button', { name: 'Sign out' })).toBeHidden();
});

test.describe('"Call back" only where the relay has click-to-call', () => {
  test('not set up: no "Call back" on a missed call, in the popup or on its notice', async ({ context, extensionId, relay, desktop, crm }) => {
    const options = await signInThroughOptions(context, extensionId, relay);
    await expect(options.getByText('Connected', { exact: true })).toBeVisible();
    await options.getByLabel('Missed calls').selectOption('notify');
    await missed(relay, 'no-c2c-1', '0722776772');
    await expect.poll(() => desktop.open().map((n) => n.summary)).toEqual(['Missed call: \u2068Nikita Karpushin\u2069']);
    // (Pairs of key and label; Chromium adds its own settings action.)
    expect(desktop.open()[0]!.actions.filter((_, i) => i % 2 === 1)).toContain('Open in CRM');
    expect(desktop.open()[0]!.actions).not.toContain('Call back');
    // Its one button opens the caller's page (the first button is no longer Call back).
    const notice = desktop.open()[0]!;
    const opened = context.waitForEvent('page', (p) => p.url() === `${crm.url}/contacts/1`);
    desktop.click(notice.id, notice.actions[notice.actions.indexOf('Open in CRM') - 1]);
    await opened;
    const page = await openPopup(context, extensionId);
    const row = page.getByRole('listitem').filter({ hasText: 'Nikita Karpushin' });
    await expect(row).toContainText('missed');
    await expect(row.getByRole('button')).toHaveCount(1);
    await expect(page.getByRole('button', { name: /Call back/ })).toHaveCount(0);
  });

  test('set up: "Call back" on a missed call, in the popup and on its notice', async ({ context, extensionId, crm, desktop }) => {
    const relay = await startRelay({}, { voicenter: CLICK_TO_CALL });
    try {
      await seed(relay, crm.url);
      const options = await signInThroughOptions(context, extensionId, relay);
      await expect(options.getByText('Connected', { exact: true })).toBeVisible();
      await options.getByLabel('Missed calls').selectOption('notify');
      await missed(relay, 'c2c-1', '0722776772');
      await expect.poll(() => desktop.open().map((n) => n.summary)).toEqual(['Missed call: \u2068Nikita Karpushin\u2069']);
      expect(desktop.open()[0]!.actions.filter((_, i) => i % 2 === 1).slice(0, 2)).toEqual(['Call back', 'Open in CRM']);
      const page = await openPopup(context, extensionId);
      await expect(page.getByRole('button', { name: 'Call back Nikita Karpushin' })).toBeVisible();
    } finally {
      await relay.stop();
    }
  });
});

test.describe('a long list with long names and two buttons on every row', () => {
  const ROWS = 14;
  /** The two contacts each number matches (the row is titled with one of them). */
  const names = (i: number) => [`Alexandra Konstantinopolskaya-Wolfeschlegelsteinhausen the ${i}th`, `Bartholomew Featherstonehaugh-Cholmondeley the ${i}th`];
  const phone = (i: number) => `0541234${500 + i}`;

  /** Nothing wider than the popup; every button whole inside it; every name with room, and whole in its title. */
  async function expectLaidOut(page: Page): Promise<void> {
    await expect(page.getByRole('listitem')).toHaveCount(ROWS);
    const layout = await page.evaluate(() => {
      const root = document.documentElement;
      const buttons = [...document.querySelectorAll('li button')].map((b) => b.getBoundingClientRect());
      return {
        scrollWidth: root.scrollWidth,
        clientWidth: root.clientWidth,
        // A vertical scrollbar takes room: the case that scrolled sideways.
        scrollbar: window.innerWidth - root.clientWidth,
        buttons: buttons.map((r) => ({ left: r.left, right: r.right })),
        names: [...document.querySelectorAll('li .name')].map((n) => ({ title: (n as HTMLElement).title, width: n.getBoundingClientRect().width })),
        rowButtons: [...document.querySelectorAll('li')].map((li) => li.querySelectorAll('button').length),
      };
    });
    expect(layout.scrollbar).toBeGreaterThan(0);
    expect(layout.scrollWidth).toBeLessThanOrEqual(layout.clientWidth);
    // The row, Choose contact and Call back: three buttons a row.
    expect(layout.rowButtons).toEqual(Array(ROWS).fill(3));
    for (const b of layout.buttons) {
      expect(b.left).toBeGreaterThanOrEqual(0);
      expect(b.right).toBeLessThanOrEqual(layout.clientWidth);
    }
    const whole = Array.from({ length: ROWS }, (_, i) => names(i)).flat();
    for (const n of layout.names) expect(whole).toContain(n.title);
    for (const n of layout.names) expect(n.width).toBeGreaterThan(150);
  }

  test('in English and in Hebrew: no sideways scroll, buttons whole, names with room', async ({ desktop, crm }, testInfo) => {
    const dir = mkdtempSync(join(tmpdir(), 'e2e-long-list-'));
    const context = await launch(dir, desktop, undefined, { scrollbars: true });
    const relay = await startRelay({}, { voicenter: CLICK_TO_CALL });
    try {
      await seed(relay, crm.url);
      // Every number matches two contacts: "Choose contact" as well as "Call back".
      for (let i = 0; i < ROWS; i++) {
        await relay.directory.upsert({ id: `long-a-${i}`, name: names(i)[0]!, company: 'International Business Machines Corporation', url: `${crm.url}/a/${i}`, phones: [phone(i)] });
        await relay.directory.upsert({ id: `long-b-${i}`, name: names(i)[1]!, company: 'Another Company', url: `${crm.url}/b/${i}`, phones: [phone(i)] });
      }
      const worker = await serviceWorker(context);
      const extensionId = new URL(worker.url()).host;
      const options = await signInThroughOptions(context, extensionId, relay);
      await expect(options.getByText('Connected', { exact: true })).toBeVisible();
      for (let i = 0; i < ROWS; i++) await missed(relay, `long-${i}`, phone(i));
      const page = await openPopup(context, extensionId);
      await expectLaidOut(page);
      await page.screenshot({ path: testInfo.outputPath('popup-long-en.png') });

      await options.getByLabel('Language').selectOption('he');
      await page.reload();
      await expect(page.locator('html')).toHaveAttribute('dir', 'rtl');
      await expectLaidOut(page);
      await page.screenshot({ path: testInfo.outputPath('popup-long-he.png') });
    } finally {
      await relay.stop();
      await context.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
