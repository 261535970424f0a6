import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agents } from '../relay/accounts/agents';
import { openDatabase } from '../relay/platform/db';
import { SqliteSql } from '../relay/platform/sql';
import { DEFAULT_LOOKUP } from '../relay/lookup/config';
import { popup, startRelay } from '../relay/tests/helpers';
import { json, testServer } from '../relay/tests/crm-servers';
import { badgeText, expect, optionsPage, ring, seed, signInThroughOptions, test } from './fixtures';

test.describe('opening the CRM page', () => {
  test('a click on the notification opens the caller\'s page in a new tab', async ({ context, extensionId, relay, desktop, crm }) => {
    const options = await signInThroughOptions(context, extensionId, relay);
    await expect(options.getByText('Connected', { exact: true })).toBeVisible();
    await ring(relay, { ivrid: 'e2e-click', phone: '0722776772' });
    await expect.poll(() => desktop.open()).toHaveLength(1);
    const opened = context.waitForEvent('page', (p) => p.url() === `${crm.url}/contacts/1`);
    // What the desktop does when the agent clicks the notification's body.
    desktop.click(desktop.open()[0]!.id);
    await expect((await opened).locator('h1')).toHaveText('CRM page /contacts/1');
    await expect.poll(() => desktop.open()).toEqual([]);
  });

  test('the "Open in CRM" button opens the search page of an unknown caller', async ({ context, extensionId, relay, desktop, crm }) => {
    const options = await signInThroughOptions(context, extensionId, relay);
    await expect(options.getByText('Connected', { exact: true })).toBeVisible();
    await ring(relay, { ivrid: 'e2e-button', phone: '0529876543' });
    await expect.poll(() => desktop.open()).toHaveLength(1);
    const shown = desktop.open()[0]!;
    const key = shown.actions[shown.actions.indexOf('Open in CRM') - 1]!;
    const opened = context.waitForEvent('page', (p) => p.url().startsWith(`${crm.url}/search`));
    desktop.click(shown.id, key);
    expect((await opened).url()).toBe(`${crm.url}/search?phone=%2B972529876543`);
  });

  test('a click on a popup row opens its page once, and focuses that tab the next time', async ({ context, extensionId, relay, crm }) => {
    const options = await signInThroughOptions(context, extensionId, relay);
    await expect(options.getByText('Connected', { exact: true })).toBeVisible();
    await ring(relay, { ivrid: 'e2e-row', phone: '0722776772' });
    const popupPage = await context.newPage();
    await popupPage.goto(`chrome-extension://${extensionId}/extension/popup.html`);
    const row = popupPage.getByRole('listitem').filter({ hasText: 'Nikita Karpushin' }).getByRole('button');
    const opened = context.waitForEvent('page', (p) => p.url() === `${crm.url}/contacts/1`);
    await row.click();
    await opened;
    await options.bringToFront();
    // What a row click sends, awaited here so the count below follows the worker's handling.
    const openAgain = () => popupPage.evaluate(() => chrome.runtime.sendMessage({ type: 'open-call', ivrid: 'e2e-row' }));
    expect(await openAgain()).toEqual({ ok: true });
    expect(await openAgain()).toEqual({ ok: true });
    expect(context.pages().filter((p) => p.url() === `${crm.url}/contacts/1`)).toHaveLength(1);
  });

  test('a tab the agent already has on that page is brought forward instead of a second one', async ({ context, extensionId, relay, crm }) => {
    const options = await signInThroughOptions(context, extensionId, relay);
    await expect(options.getByText('Connected', { exact: true })).toBeVisible();
    // The agent has the contact open already, in a tab the extension did not open.
    const own = await context.newPage();
    await own.goto(`${crm.url}/contacts/1`);
    await options.bringToFront();
    await ring(relay, { ivrid: 'e2e-own-tab', phone: '0722776772' });
    const popupPage = await context.newPage();
    await popupPage.goto(`chrome-extension://${extensionId}/extension/popup.html`);
    await expect(popupPage.getByRole('listitem').filter({ hasText: 'Nikita Karpushin' })).toBeVisible();
    expect(await popupPage.evaluate(() => chrome.runtime.sendMessage({ type: 'open-call', ivrid: 'e2e-own-tab' }))).toEqual({ ok: true });
    expect(context.pages().filter((p) => p.url() === `${crm.url}/contacts/1`)).toHaveLength(1);
    expect(await own.evaluate('document.visibilityState')).toBe('visible');
  });

  test('a URL that is not http(s) is never opened', async ({ context, extensionId, relay }) => {
    await relay.directory.upsert({ id: 'js', name: 'Evil', company: '', url: 'javascript:alert(1)', phones: ['0531111111'] });
    const options = await signInThroughOptions(context, extensionId, relay);
    await expect(options.getByText('Connected', { exact: true })).toBeVisible();
    await ring(relay, { ivrid: 'e2e-js', phone: '0531111111' });
    const popupPage = await context.newPage();
    await popupPage.goto(`chrome-extension://${extensionId}/extension/popup.html`);
    // Only web pages count: the extension's own pages (options on first install) may come and go.
    const webPages = () => context.pages().filter((p) => /^https?:/.test(p.url())).length;
    const pages = webPages();
    await popupPage.getByRole('listitem').filter({ hasText: 'Evil' }).getByRole('button').click();
    // The same request as the click, awaited: once it is answered, no tab was opened by either.
    expect(await popupPage.evaluate(() => chrome.runtime.sendMessage({ type: 'open-call', ivrid: 'e2e-js' }))).toEqual({ ok: true });
    expect(webPages()).toBe(pages);
  });
});

test('pages outside the agent\'s allowed sites are not opened', async ({ context, extensionId, relay, crm }) => {
  const options = await signInThroughOptions(context, extensionId, relay);
  await expect(options.getByText('Connected', { exact: true })).toBeVisible();
  await options.getByLabel('Open pages only on these sites').fill('crm.example.com\n*.hubspot.com');
  await options.getByLabel('Open pages only on these sites').blur();
  await expect.poll(async () => ((await options.evaluate(() => chrome.storage.local.get('settings'))).settings as { sites?: string[] } | undefined)?.sites).toEqual([
    'crm.example.com',
    '*.hubspot.com',
  ]);
  await ring(relay, { ivrid: 'e2e-site', phone: '0722776772' });
  const webPages = () => context.pages().filter((p) => /^https?:/.test(p.url())).length;
  const pages = webPages();
  expect(await options.evaluate(() => chrome.runtime.sendMessage({ type: 'open-call', ivrid: 'e2e-site' }))).toEqual({ ok: true });
  expect(webPages()).toBe(pages);
  expect(context.pages().some((p) => p.url().startsWith(crm.url))).toBe(false);
});

test.describe('staying connected', () => {
  test('the relay restarted mid-shift: reconnects, no second notification, the next call pops', async ({ context, extensionId, desktop, crm }) => {
    const dataDir = mkdtempSync(join(tmpdir(), 'e2e-restart-'));
    let relay = await startRelay({ RELAY_DATA_DIR: dataDir });
    await seed(relay, crm.url);
    const port = Number(new URL(relay.url).port);
    const options = await signInThroughOptions(context, extensionId, relay);
    await expect(options.getByText('Connected', { exact: true })).toBeVisible();
    await ring(relay, { ivrid: 'e2e-before', phone: '0722776772' });
    await expect.poll(() => desktop.open()).toHaveLength(1);

    await relay.stop();
    await expect(options.getByRole('status')).not.toHaveText('Connected');
    relay = await startRelay({ RELAY_DATA_DIR: dataDir, PORT: port });
    try {
      await expect(options.getByRole('status')).toHaveText('Connected', { timeout: 20_000 });
      await ring(relay, { ivrid: 'e2e-after', phone: '0501234567' });
      await expect.poll(() => desktop.open()).toHaveLength(2);
      // One notification per call, ever: the one still ringing was not shown a second time.
      expect([...desktop.shown.values()].map((n) => n.summary)).toEqual(['\u2068Nikita Karpushin\u2069', '\u2068דנה כהן\u2069']);
    } finally {
      await relay.stop();
    }
  });

  test('a call that rang while the connection was down pops once it is back (replay)', async ({ context, extensionId, relay, desktop, worker }) => {
    const options = await signInThroughOptions(context, extensionId, relay);
    await expect(options.getByText('Connected', { exact: true })).toBeVisible();
    await ring(relay, { ivrid: 'e2e-before-drop', phone: '0501234567' });
    await expect.poll(() => desktop.open()).toHaveLength(1);
    // The network drops (no close frame): the relay notices nothing yet, the extension reconnects.
    for (const ws of relay.sockets.clients()) ws.terminate();
    await ring(relay, { ivrid: 'e2e-during-drop', phone: '0722776772' });
    await popup(relay, { ivrid: 'e2e-missed-during-drop', extenUser: 'KGpK4iWq', phone: '0531234567', status: 'Ringing' });
    await popup(relay, { ivrid: 'e2e-missed-during-drop', extenUser: 'KGpK4iWq', status: 'Hangup', cause: 'Normal hangup' });
    await expect.poll(() => desktop.open().map((n) => n.summary).sort()).toEqual(['\u2068Nikita Karpushin\u2069', '\u2068דנה כהן\u2069'].sort());
    await expect.poll(() => badgeText(worker)).toBe('1');
    // Every call popped once, the one before the drop included.
    expect([...desktop.shown.values()].filter((n) => n.summary.includes('Nikita'))).toHaveLength(1);
    expect([...desktop.shown.values()].filter((n) => n.summary.includes('דנה'))).toHaveLength(1);
  });

  test('the service worker stopped by Chrome during a ringing call comes back by itself, catches up, and the next call pops', async ({ context, extensionId, relay, desktop }) => {
    test.setTimeout(120_000);
    const options = await signInThroughOptions(context, extensionId, relay);
    await expect(options.getByText('Connected', { exact: true })).toBeVisible();
    await expect.poll(() => relay.sockets.stats().sockets).toBe(1);
    await ring(relay, { ivrid: 'e2e-ringing-at-stop', phone: '0501234567' });
    await expect.poll(() => desktop.open()).toHaveLength(1);
    const cdp = await context.newCDPSession(options);
    await cdp.send('ServiceWorker.enable');
    await cdp.send('ServiceWorker.stopAllWorkers');
    await expect.poll(() => relay.sockets.stats().sockets).toBe(0);
    await options.close();
    // The call is answered elsewhere while the worker is gone: its notification must still go.
    await popup(relay, { ivrid: 'e2e-ringing-at-stop', extenUser: 'KGpK4iWq', status: 'Hangup', cause: 'Normal hangup' });
    // Nothing of ours wakes it: the reconnect alarm (every minute) does.
    await expect.poll(() => relay.sockets.stats().sockets, { timeout: 75_000 }).toBe(1);
    // Caught up by replay: the call that ended while it was stopped is cleared.
    await expect.poll(() => desktop.open()).toEqual([]);
    await ring(relay, { ivrid: 'e2e-after-stop', phone: '0722776772' });
    await expect.poll(() => desktop.open().map((n) => n.summary)).toEqual(['\u2068Nikita Karpushin\u2069']);
    await popup(relay, { ivrid: 'e2e-after-stop', extenUser: 'KGpK4iWq', status: 'Hangup' });
    await expect.poll(() => desktop.open()).toEqual([]);
  });
});

test.describe('an agent always knows the state', () => {
  test('the toolbar shows a lost connection, one notification says pop-ups are off, one that they are back', async ({ context, extensionId, desktop, crm, worker }) => {
    const dataDir = mkdtempSync(join(tmpdir(), 'e2e-outage-'));
    let relay = await startRelay({ RELAY_DATA_DIR: dataDir });
    await seed(relay, crm.url);
    const port = Number(new URL(relay.url).port);
    const title = () => worker.evaluate(() => chrome.action.getTitle({}));
    const options = await signInThroughOptions(context, extensionId, relay);
    await expect(options.getByText('Connected', { exact: true })).toBeVisible();
    // (The page and the toolbar each follow the connection's state: the toolbar may paint a moment later.)
    await expect.poll(() => badgeText(worker)).toBe('');
    await expect.poll(title).toBe('Voicenter Screen Pop — Connected');
    // A minute in real use; shortened here (the worker reads it from storage).
    await options.evaluate(() => chrome.storage.local.set({ offlineNoticeAfterMs: 1_500 }));
    await relay.stop();
    await expect.poll(() => badgeText(worker)).toBe('!');
    await expect.poll(title).toMatch(/^Voicenter Screen Pop — (Disconnected|Connecting…)/);
    await expect.poll(() => desktop.open().map((n) => n.summary), { timeout: 30_000 }).toContain('Pop-ups are off');
    relay = await startRelay({ RELAY_DATA_DIR: dataDir, PORT: port });
    try {
      await expect.poll(() => desktop.open().map((n) => n.summary), { timeout: 40_000 }).toEqual(['Pop-ups are back on']);
      await expect.poll(() => badgeText(worker)).toBe('');
      await expect.poll(title).toBe('Voicenter Screen Pop — Connected');
      expect([...desktop.shown.values()].filter((n) => n.summary === 'Pop-ups are off')).toHaveLength(1);
    } finally {
      await relay.stop();
    }
  });
});

test.describe('several relays', () => {
  test('the Relay URL field takes two relays: when the one in use dies, the next call pops through the other', async ({ context, extensionId, desktop, crm }) => {
    // Two relays on one machine sharing one data directory (agents, sessions and the call log in
    // one SQLite database): what a small site runs instead of a load balancer.
    const dataDir = mkdtempSync(join(tmpdir(), 'e2e-two-relays-'));
    const first = await startRelay({ RELAY_DATA_DIR: dataDir });
    const second = await startRelay({ RELAY_DATA_DIR: dataDir });
    try {
      await seed(first, crm.url);
      const options = await optionsPage(context, extensionId);
      // The first address answers nothing: sign-in goes on to the next.
      await options.getByLabel('Relay URL').fill(`http://127.0.0.1:9, ${first.url}, ${second.url}`);
      await options.getByLabel('Extension user').fill('KGpK4iWq');
      await options.getByLabel('Password').fill('dana-pass');
      await options.getByRole('button', { name: 'Sign in' }).click();
      await expect(options.getByText('Connected', { exact: true })).toBeVisible();
      expect(first.sockets.stats().sockets).toBe(1);
      await first.stop();
      await expect.poll(() => second.sockets.stats().sockets, { timeout: 20_000 }).toBe(1);
      await expect(options.getByRole('status')).toHaveText('Connected');
      await ring(second, { ivrid: 'e2e-through-second', phone: '0722776772' });
      await expect.poll(() => desktop.open().map((n) => n.summary)).toEqual(['\u2068Nikita Karpushin\u2069']);
    } finally {
      await second.stop();
    }
  });
});

test.describe('a session that ended while the browser was away', () => {
  test('revoked while the relay was out of reach: the extension says "Signed out — sign in again" and stops retrying', async ({ context, extensionId, crm }) => {
    const dataDir = mkdtempSync(join(tmpdir(), 'e2e-revoked-'));
    let relay = await startRelay({ RELAY_DATA_DIR: dataDir });
    await seed(relay, crm.url);
    const port = Number(new URL(relay.url).port);
    const options = await signInThroughOptions(context, extensionId, relay);
    await expect(options.getByText('Connected', { exact: true })).toBeVisible();
    await relay.stop();
    await expect(options.getByRole('status')).not.toHaveText('Connected');
    // The supervisor changes the agent's password meanwhile (the CLI writes the database).
    const db = openDatabase(dataDir);
    await new Agents(new SqliteSql(db), 3_600_000).setPassword('KGpK4iWq', 'a-new-password');
    db.close();
    let handshakes = 0;
    relay = await startRelay({ RELAY_DATA_DIR: dataDir, PORT: port });
    relay.server.on('upgrade', () => handshakes++);
    try {
      await expect(options.getByText('Signed out — sign in again')).toBeVisible({ timeout: 20_000 });
      await expect(options.getByRole('status')).toHaveText('Signed out');
      await expect(options.getByLabel('Relay URL')).toBeVisible();
      // It asked once, was refused, and does not keep knocking.
      const seen = handshakes;
      expect(seen).toBeGreaterThanOrEqual(1);
      await ring(relay, { ivrid: 'e2e-after-revoke', phone: '0722776772' });
      await options.reload();
      await expect(options.getByLabel('Relay URL')).toBeVisible();
      expect(handshakes).toBe(seen);
    } finally {
      await relay.stop();
    }
  });

  test('expired while the browser was closed: signed out at the next connection, without asking the relay', async ({ context, extensionId, relay }) => {
    const options = await signInThroughOptions(context, extensionId, relay);
    await expect(options.getByText('Connected', { exact: true })).toBeVisible();
    await options.evaluate(async () => {
      const { session } = await chrome.storage.local.get<{ session: { expiresAt: number } }>('session');
      await chrome.storage.local.set({ session: { ...session, expiresAt: Date.now() - 1 } });
    });
    let handshakes = 0;
    relay.server.on('upgrade', () => handshakes++);
    // The connection drops (no close frame): the extension would reconnect, but the session is over.
    for (const ws of relay.sockets.clients()) ws.terminate();
    await expect(options.getByText('Signed out — sign in again')).toBeVisible({ timeout: 20_000 });
    expect(handshakes).toBe(0);
  });
});

test.describe('a slow CRM', () => {
  test('the notification pops at once and is updated in place when the CRM answers', async ({ context, extensionId, desktop, crm }) => {
    let answer!: () => void;
    const slowCrm = await testServer((_req, res) => {
      answer = () => json(res, { data: [{ id: 9, name: 'Late Match', org: 'Slow CRM' }] });
    });
    const relay = await startRelay({}, {
      lookup: {
        ...DEFAULT_LOOKUP,
        budgetMs: 200,
        sources: [
          { kind: 'directory', name: 'directory' },
          {
            kind: 'http', name: 'Slow CRM', method: 'GET', url: `${slowCrm.url}/contacts`, query: { phone: '{e164}' }, headers: {},
            auth: { type: 'none' }, params: {}, response: { items: '$.data[*]', name: '$.name', company: '$.org', id: '$.id' },
            recordUrl: `${crm.url}/contacts/{id}`, searchUrl: '', match: 'exact', suffixDigits: 9, timeoutMs: 10_000, maxBytes: 65536,
          },
        ],
      },
    });
    try {
      await seed(relay, crm.url);
      const options = await signInThroughOptions(context, extensionId, relay);
      await expect(options.getByText('Connected', { exact: true })).toBeVisible();
      const voicenter = await ring(relay, { ivrid: 'e2e-slow', phone: '0529876543', callerName: 'Queue Sales' });
      // Voicenter was answered (within the budget) before the CRM said anything.
      expect(voicenter.body).toMatchObject({ STATUS: 'OK', CLIENTNAME: '' });
      // Still looking: the number, never the queue's label as a name.
      await expect.poll(() => desktop.open().map((n) => n.summary)).toEqual(['\u2068052-987-6543\u2069']);
      expect(desktop.open()[0]!.body).toContain('Looking up… · Queue: Queue Sales');
      answer();
      await expect.poll(() => desktop.open().map((n) => n.summary)).toEqual(['\u2068Late Match\u2069']);
      expect(desktop.open()[0]!.body).toContain('Slow CRM');
      // Updated in place: the desktop was asked to replace the notification, not to add one.
      expect(desktop.shown.size).toBe(1);
      const popupPage = await context.newPage();
      await popupPage.goto(`chrome-extension://${extensionId}/extension/popup.html`);
      await expect(popupPage.getByRole('listitem').first()).toContainText('Found in Slow CRM by the exact number');
    } finally {
      await relay.stop();
      await slowCrm.close();
    }
  });
});

test('the popup says what to do before sign-in and while there are no calls', async ({ context, extensionId, relay }) => {
  const popupPage = await context.newPage();
  await popupPage.goto(`chrome-extension://${extensionId}/extension/popup.html`);
  await expect(popupPage.getByText('Sign in with your Voicenter extension user to see who is calling.')).toBeVisible();
  await expect(popupPage.getByRole('button', { name: 'Open sign-in' })).toBeVisible();
  const options = await signInThroughOptions(context, extensionId, relay);
  await expect(options.getByText('Connected', { exact: true })).toBeVisible();
  await popupPage.reload();
  await expect(popupPage.getByText('No calls yet. Calls to KGpK4iWq will show here as they ring.')).toBeVisible();
});
