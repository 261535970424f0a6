import { popup } from '../relay/tests/helpers';
import { badgeText, EXTENSION_ID, expect, notificationIds, optionsPage, ring, signInThroughOptions, test } from './fixtures';

/** Unicode first-strong isolate and pop: names from outside keep their own direction. */
const FSI = '\u2068';
const PDI = '\u2069';

test.describe('the extension, signed in through the options page', () => {
  test('loads with the pinned extension id', ({ extensionId }) => {
    expect(extensionId).toBe(EXTENSION_ID);
  });

  test('rings: one notification saying who calls, gone once answered', async ({ context, extensionId, relay, worker, desktop }) => {
    const options = await signInThroughOptions(context, extensionId, relay);
    await expect(options.getByText('Connected', { exact: true })).toBeVisible();
    await expect(options.getByLabel('Password')).toBeHidden();
    // One socket per browser: the worker's start-up paths must not open two.
    expect(relay.sockets.stats()).toEqual({ agents: 1, sockets: 1 });

    await ring(relay, { ivrid: 'e2e-ring-1', phone: '972722776772' });
    await ring(relay, { ivrid: 'e2e-ring-1', phone: '972722776772' }); // Voicenter retries: still one notification
    await expect.poll(() => notificationIds(worker)).toEqual(['call:e2e-ring-1']);
    await expect.poll(() => desktop.open()).toHaveLength(1);
    const [shown] = desktop.open();
    expect(shown!.summary).toBe(`${FSI}Nikita Karpushin${PDI}`);
    expect(shown!.body).toContain('072-277-6772');
    expect(shown!.body).toContain(`${FSI}Voicenter${PDI}`);
    expect(shown!.actions).toContain('Open in CRM');
    expect(desktop.shown.size).toBe(1);

    await popup(relay, { ivrid: 'e2e-ring-1', extenUser: 'KGpK4iWq', status: 'Talking' });
    await expect.poll(() => notificationIds(worker)).toEqual([]);
    await expect.poll(() => desktop.open()).toEqual([]);
    await popup(relay, { ivrid: 'e2e-ring-1', extenUser: 'KGpK4iWq', status: 'Talking', cause: 'Normal hangup' });

    const popupPage = await context.newPage();
    await popupPage.goto(`chrome-extension://${extensionId}/extension/popup.html`);
    const row = popupPage.getByRole('list', { name: 'Recent calls' }).getByRole('listitem').first();
    await expect(row).toContainText('Nikita Karpushin');
    await expect(row).toContainText('072-277-6772');
    await expect(row).toContainText('Voicenter');
    await expect(row).toContainText('answered');
    // How the caller was matched: in plain words, shown on hover or focus only.
    const via = row.getByText('Found in directory by the exact number');
    await expect(via).toBeHidden();
    await row.getByRole('button').first().focus(); // (the row itself; "Call back" only where click-to-call is set up)
    await expect(via).toBeVisible();
    await expect(popupPage.getByRole('status')).toHaveText('Connected');
    // The header names the agent (not the SIP id), with links to settings and sign-out.
    await expect(popupPage.getByText('Dana Cohen', { exact: true })).toBeVisible();
    await expect(popupPage.getByRole('button', { name: 'Settings' })).toBeVisible();
    await expect(popupPage.getByRole('button', { name: 'Sign out' })).toBeVisible();
  });

  test('keeps the notification marked Talking when the agent chose so', async ({ context, extensionId, relay, desktop }) => {
    const options = await signInThroughOptions(context, extensionId, relay);
    await expect(options.getByText('Connected', { exact: true })).toBeVisible();
    await options.getByLabel('After I answer').selectOption('keep');
    await ring(relay, { ivrid: 'e2e-keep', phone: '0722776772' });
    await expect.poll(() => desktop.open().length).toBe(1);
    await popup(relay, { ivrid: 'e2e-keep', extenUser: 'KGpK4iWq', status: 'Talking' });
    await expect.poll(() => desktop.open()[0]?.body ?? '').toContain('Talking');
    expect(desktop.shown.size).toBe(1);
  });

  test('a missed call: cleared on hang-up, counted on the badge until the popup is opened', async ({ context, extensionId, relay, worker, desktop }) => {
    const options = await signInThroughOptions(context, extensionId, relay);
    await expect(options.getByText('Connected', { exact: true })).toBeVisible();
    await ring(relay, { ivrid: 'e2e-missed', phone: '0501234567' });
    await expect.poll(() => desktop.open()).toHaveLength(1);
    expect(desktop.open()[0]!.summary).toBe(`${FSI}דנה כהן${PDI}`);
    await popup(relay, { ivrid: 'e2e-missed', extenUser: 'KGpK4iWq', status: 'Hangup', cause: 'No user responding' });
    await expect.poll(() => desktop.open()).toEqual([]);
    await expect.poll(() => badgeText(worker)).toBe('1');

    const popupPage = await context.newPage();
    await popupPage.goto(`chrome-extension://${extensionId}/extension/popup.html`);
    await expect(popupPage.getByRole('listitem').first()).toContainText('missed');
    await expect.poll(() => badgeText(worker)).toBe('');
  });

  test('an unknown caller and a withheld number still pop', async ({ context, extensionId, relay, desktop }) => {
    const options = await signInThroughOptions(context, extensionId, relay);
    await expect(options.getByText('Connected', { exact: true })).toBeVisible();
    await ring(relay, { ivrid: 'e2e-unknown', phone: '0529876543', callerName: 'Queue Sales', did: '0776707528' });
    await ring(relay, { ivrid: 'e2e-withheld', phone: 'Anonymous' });
    await expect.poll(() => desktop.open()).toHaveLength(2);
    // Each is raised as its message arrives: the two may reach the desktop in either order.
    const unknown = desktop.open().find((n) => n.body.includes('052-987-6543'));
    const withheld = desktop.open().find((n) => n !== unknown);
    // "Unknown caller" and the number; Voicenter's caller name is the queue, never a person.
    expect(unknown!.summary).toBe(`${FSI}Unknown caller${PDI}`);
    expect(unknown!.body).toContain('052-987-6543');
    expect(unknown!.body).toContain('Queue: Queue Sales · Line 0776707528');
    expect(unknown!.actions).toContain('Open in CRM'); // the search URL
    expect(withheld!.summary).toBe(`${FSI}Withheld number${PDI}`);
    expect(withheld!.actions).not.toContain('Open in CRM');
  });

  test('a call for another agent raises nothing', async ({ context, extensionId, relay, desktop }) => {
    const options = await signInThroughOptions(context, extensionId, relay);
    await expect(options.getByText('Connected', { exact: true })).toBeVisible();
    await ring(relay, { ivrid: 'e2e-for-avi', extenUser: 'Avi01', phone: '0722776772' });
    // Delivery is in order: once this later call shows, the one before would have shown too.
    await ring(relay, { ivrid: 'e2e-for-dana', phone: '0501234567' });
    await expect.poll(() => desktop.open()).toHaveLength(1);
    expect([...desktop.shown.values()].map((n) => n.summary)).toEqual([`${FSI}דנה כהן${PDI}`]);
  });

  test('a wrong password is refused in words, and nothing is stored', async ({ context, extensionId, relay, worker }) => {
    const options = await signInThroughOptions(context, extensionId, relay, 'KGpK4iWq', 'not-it');
    await expect(options.getByRole('alert')).toHaveText('Wrong extension user or password.');
    await expect(options.getByRole('status')).toHaveText('Signed out');
    expect(await worker.evaluate(() => chrome.storage.local.get('session'))).toEqual({});
  });

  test('an address that is not a relay is named as such', async ({ context, extensionId, crm }) => {
    const page = await optionsPage(context, extensionId);
    await page.getByLabel('Relay URL').fill(crm.url);
    await page.getByLabel('Extension user').fill('KGpK4iWq');
    await page.getByLabel('Password').fill('x');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect(page.getByRole('alert')).toContainText('answers, but not as a Voicenter Screen Pop relay');
  });

  test('an address where nothing answers is named as such', async ({ context, extensionId }) => {
    const page = await optionsPage(context, extensionId);
    await page.getByLabel('Relay URL').fill('http://127.0.0.1:9');
    await page.getByLabel('Extension user').fill('KGpK4iWq');
    await page.getByLabel('Password').fill('x');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect(page.getByRole('alert')).toHaveText(
      // (The address is isolated in its own direction: the same sentence reads right in Hebrew.)
      'Cannot reach the relay at \u2068http://127.0.0.1:9\u2069. Check the address, and that the relay is running.',
    );
  });

  test('signing out closes the connection and shows the sign-in form again', async ({ context, extensionId, relay }) => {
    const options = await signInThroughOptions(context, extensionId, relay);
    await expect(options.getByText('Connected', { exact: true })).toBeVisible();
    await options.getByRole('button', { name: 'Sign out' }).click();
    await expect(options.getByRole('status')).toHaveText('Signed out');
    await expect(options.getByLabel('Password')).toBeVisible();
    await expect.poll(() => relay.sockets.stats().sockets).toBe(0);
  });
});

test.describe('calls in quick succession', () => {
  test('each new call pops at once and only once; one that ended never stays on screen', async ({ context, extensionId, relay, worker, desktop }) => {
    const options = await signInThroughOptions(context, extensionId, relay);
    await expect(options.getByText('Connected', { exact: true })).toBeVisible();
    // Back to back, as a queue hands calls over: a new call's message arrives while the worker is
    // still writing down the previous one (the worker raises it ahead of that bookkeeping).
    await ring(relay, { ivrid: 'quick-a', phone: '0722776772' });
    await popup(relay, { ivrid: 'quick-a', extenUser: 'KGpK4iWq', status: 'Hangup', cause: 'Normal hangup' });
    await ring(relay, { ivrid: 'quick-b', phone: '0501234567' });
    await ring(relay, { ivrid: 'quick-c', phone: '0722776772' });
    await popup(relay, { ivrid: 'quick-b', extenUser: 'KGpK4iWq', status: 'Hangup', cause: 'Normal hangup' });
    await expect.poll(() => notificationIds(worker)).toEqual(['call:quick-c']);
    await expect.poll(() => desktop.open().map((n) => n.summary)).toEqual([`${FSI}Nikita Karpushin${PDI}`]);
    // Every call reached the desktop; none was raised twice with the same words.
    const raised = desktop.notifies.map((n) => `${n.id}|${n.summary}|${n.body}`);
    expect(new Set(raised).size).toBe(raised.length);
    expect(new Set(desktop.notifies.map((n) => n.id)).size).toBe(3);
    // The popup's history has all three, in the state each ended in.
    const popupPage = await context.newPage();
    await popupPage.goto(`chrome-extension://${extensionId}/extension/popup.html`);
    await expect(popupPage.getByRole('list', { name: 'Recent calls' }).getByRole('listitem')).toHaveCount(3);
  });
});
