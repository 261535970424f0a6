import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BrowserContext } from '@playwright/test';
import { popup, startRelay, type TestRelay } from '../relay/tests/helpers';
import { badgeText, expect, launch, ring, seed, serviceWorker, signInThroughOptions, test } from './fixtures';

/**
 * A call rings, the agent's browser goes away, the call ends meanwhile, and the browser comes back
 * after the relay stopped keeping what it could replay (or after the relay restarted): the popup
 * says the call was missed, not that it rings still. The relay's replay window is shortened so
 * that "after" is a moment.
 */
const WINDOW_MS = 1_000;

/** Until the relay has forgotten every message it kept for replay: the hang-up's included. */
async function pastTheWindow(relay: TestRelay): Promise<void> {
  await expect.poll(() => (relay.delivery.prune(), relay.delivery.kept()), { timeout: 10_000 }).toBe(0);
}

async function popupRow(context: BrowserContext, extensionId: string, name: string) {
  const page = await context.newPage();
  await page.goto(`chrome-extension://${extensionId}/extension/popup.html`);
  return page.getByRole('listitem').filter({ hasText: name });
}

test('the browser closed while a call rang; it ended meanwhile; back past the replay window: missed, not ringing', async ({ desktop, crm }) => {
  test.setTimeout(90_000);
  const dir = mkdtempSync(join(tmpdir(), 'e2e-away-'));
  const relay = await startRelay({}, { replayWindowMs: WINDOW_MS });
  let context = await launch(dir, desktop);
  try {
    await seed(relay, crm.url);
    // A first install opens its options page by itself: signing in starts once it has.
    await expect.poll(() => context.pages().some((p) => p.url().endsWith('/extension/options.html')), { timeout: 15_000 }).toBe(true);
    const worker = await serviceWorker(context);
    const extensionId = new URL(worker.url()).host;
    const options = await signInThroughOptions(context, extensionId, relay);
    await expect(options.getByText('Connected', { exact: true })).toBeVisible();
    await ring(relay, { ivrid: 'away-1', phone: '0722776772' });
    await expect.poll(() => desktop.open()).toHaveLength(1);
    await expect(await popupRow(context, extensionId, 'Nikita Karpushin')).toContainText('ringing');

    await context.close();
    await expect.poll(() => relay.sockets.stats().sockets).toBe(0);
    await popup(relay, { ivrid: 'away-1', extenUser: 'KGpK4iWq', status: 'Hangup', cause: 'NO ANSWER' });
    await pastTheWindow(relay);

    context = await launch(dir, desktop);
    const back = await serviceWorker(context);
    await expect.poll(() => relay.sockets.stats().sockets, { timeout: 20_000 }).toBe(1);
    // Counted as missed (opening the popup clears the count).
    await expect.poll(() => badgeText(back)).toBe('1');
    const row = await popupRow(context, extensionId, 'Nikita Karpushin');
    await expect(row).toContainText('missed');
    await expect(row).not.toContainText('ringing');
    // Nothing raised again for it (the first browser's own notification is the desktop's to close).
    expect(desktop.shown.size).toBe(1);
  } finally {
    await context.close();
    await relay.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the service worker stopped while a call rang; the relay restarted meanwhile and the call ended: missed, not ringing', async ({ context, extensionId, desktop, crm }) => {
  test.setTimeout(120_000);
  const dataDir = mkdtempSync(join(tmpdir(), 'e2e-away-restart-'));
  let relay = await startRelay({ RELAY_DATA_DIR: dataDir }, { replayWindowMs: WINDOW_MS });
  const port = Number(new URL(relay.url).port);
  try {
    await seed(relay, crm.url);
    const options = await signInThroughOptions(context, extensionId, relay);
    await expect(options.getByText('Connected', { exact: true })).toBeVisible();
    await ring(relay, { ivrid: 'away-2', phone: '0722776772' });
    await expect.poll(() => desktop.open()).toHaveLength(1);
    await expect(await popupRow(context, extensionId, 'Nikita Karpushin')).toContainText('ringing');
    const cdp = await context.newCDPSession(options);
    await cdp.send('ServiceWorker.enable');
    await cdp.send('ServiceWorker.stopAllWorkers');
    await expect.poll(() => relay.sockets.stats().sockets).toBe(0);
    await options.close();
    await popup(relay, { ivrid: 'away-2', extenUser: 'KGpK4iWq', status: 'Hangup', cause: 'NO ANSWER' });
    await pastTheWindow(relay);
    await relay.stop();
    relay = await startRelay({ RELAY_DATA_DIR: dataDir, PORT: port }, { replayWindowMs: WINDOW_MS });

    // Nothing of ours wakes the worker: the reconnect alarm (every minute) does.
    await expect.poll(() => relay.sockets.stats().sockets, { timeout: 75_000 }).toBe(1);
    const row = await popupRow(context, extensionId, 'Nikita Karpushin');
    await expect(row).toContainText('missed');
    await expect(row).not.toContainText('ringing');
    await expect.poll(() => desktop.open()).toEqual([]);
  } finally {
    await relay.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
});
