import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { test as base, chromium, expect, type BrowserContext, type Page, type Worker } from '@playwright/test';
import { EXTENSION_ID } from '../relay/platform/config';
import { popup, startRelay, type TestRelay } from '../relay/tests/helpers';
import { chromiumArgs, chromiumPath } from './chromium';
import { NotificationServer } from './notification-server';

export const EXTENSION_DIR = resolve('dist/extension');

interface Fixtures {
  /** A stand-in CRM on 127.0.0.1: every path answers a small HTML page. */
  crm: { url: string };
  desktop: NotificationServer;
  relay: TestRelay;
  context: BrowserContext;
  worker: Worker;
  extensionId: string;
}

/**
 * Chromium with the built extension, its notifications going to `desktop`. `language` is the
 * browser's language: on Linux Chromium takes it from the environment (LANGUAGE), `--lang` too.
 * `scrollbars`: shown and taking room as on a desktop (Playwright hides them in headless Chromium).
 */
export async function launch(userDataDir: string, desktop: NotificationServer, language?: string, { scrollbars = false } = {}): Promise<BrowserContext> {
  return chromium.launchPersistentContext(userDataDir, {
    headless: true,
    executablePath: chromiumPath(),
    args: [...chromiumArgs(EXTENSION_DIR), ...(language ? [`--lang=${language}`] : [])],
    ...(scrollbars ? { ignoreDefaultArgs: ['--hide-scrollbars'] } : {}),
    // Chromium shows notifications through the test's own desktop notification server.
    env: { ...process.env, DBUS_SESSION_BUS_ADDRESS: desktop.address, NO_AT_BRIDGE: '1', ...(language ? { LANGUAGE: language } : {}) },
  });
}

export async function serviceWorker(context: BrowserContext): Promise<Worker> {
  return context.serviceWorkers().find((w) => w.url().startsWith('chrome-extension://')) ?? context.waitForEvent('serviceworker');
}

/** Two agents and two contacts, the same in every end-to-end test. */
export async function seed(relay: TestRelay, crmUrl: string): Promise<void> {
  await relay.agents.add('KGpK4iWq', 'Dana Cohen', 'dana-pass');
  await relay.agents.add('Avi01', 'Avi Levi', 'avi-pass');
  await relay.directory.upsert({
    id: 'c-1', name: 'Nikita Karpushin', company: 'Voicenter', url: `${crmUrl}/contacts/1`, phones: ['0722776772'],
  });
  await relay.directory.upsert({ id: 'c-2', name: 'דנה כהן', company: 'חברה בע"מ', url: '', phones: ['0501234567'] });
}

export const test = base.extend<Fixtures>({
  // eslint-disable-next-line no-empty-pattern -- Playwright fixtures take their dependencies as the first argument
  crm: async ({}, use) => {
    const server = createServer((req, res) => {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end(`<!doctype html><title>CRM ${req.url}</title><h1>CRM page ${req.url}</h1>`);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    await use({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` });
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  },
  relay: async ({ crm }, use) => {
    const relay = await startRelay({ RELAY_SEARCH_URL: `${crm.url}/search?phone={e164}` });
    await seed(relay, crm.url);
    await use(relay);
    await relay.stop();
  },
  // eslint-disable-next-line no-empty-pattern -- as above
  desktop: async ({}, use) => {
    const desktop = await NotificationServer.start();
    await use(desktop);
    await desktop.stop();
  },
  context: async ({ desktop }, use) => {
    const dir = mkdtempSync(join(tmpdir(), 'e2e-profile-'));
    const context = await launch(dir, desktop);
    // A fresh profile is a first install: the extension opens its options page by itself. Tests
    // start once it has, so it cannot take over a page a test is navigating meanwhile.
    await expect
      .poll(() => context.pages().some((p) => p.url().endsWith('/extension/options.html')), { timeout: 15_000 })
      .toBe(true);
    await use(context);
    await context.close();
    rmSync(dir, { recursive: true, force: true });
  },
  worker: async ({ context }, use) => {
    await use(await serviceWorker(context));
  },
  extensionId: async ({ worker }, use) => {
    await use(new URL(worker.url()).host);
  },
});

export { expect };

/**
 * The options page. On a fresh profile the extension opens it by itself (first install), which
 * can land on the tab a test is navigating: then that navigation is the one to wait for.
 */
export async function optionsPage(context: BrowserContext, extensionId: string): Promise<Page> {
  const url = `chrome-extension://${extensionId}/extension/options.html`;
  const page = await context.newPage();
  try {
    await page.goto(url);
  } catch (err) {
    if (!/interrupted by another navigation/.test(String(err))) throw err;
    await page.waitForURL(url);
  }
  return page;
}

/** Signs in through the options page, as an agent does. */
export async function signInThroughOptions(
  context: BrowserContext,
  extensionId: string,
  relay: { url: string },
  extenUser = 'KGpK4iWq',
  password = 'dana-pass',
): Promise<Page> {
  const page = await optionsPage(context, extensionId);
  await page.getByLabel('Relay URL').fill(relay.url);
  await page.getByLabel('Extension user').fill(extenUser);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  return page;
}

export async function notificationIds(worker: Worker): Promise<string[]> {
  return worker.evaluate(async () => Object.keys(await chrome.notifications.getAll()));
}

export const ring = (relay: TestRelay, fields: Record<string, unknown>) =>
  popup(relay, { extenUser: 'KGpK4iWq', status: 'Ringing', direction: 'Incoming', ...fields });

export { EXTENSION_ID };

export async function badgeText(worker: Worker): Promise<string> {
  return worker.evaluate(() => chrome.action.getBadgeText({}));
}
