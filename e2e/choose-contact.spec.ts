import { expect, ring, signInThroughOptions, test } from './fixtures';

/**
 * Two contacts have the caller's number: the notification offers "Choose contact"; the agent's
 * choice opens that contact's page, names the caller, and is remembered — the next call from the
 * number pops the chosen contact, "chosen by" the agent.
 */
const FSI = '\u2068';
const PDI = '\u2069';

test('"Choose contact" among several matches: the choice opens the page and is remembered for the next call', async ({ context, extensionId, relay, desktop, crm }) => {
  await relay.directory.upsert({ id: 'm-1', name: 'Noa Bar', company: 'Globex', url: `${crm.url}/contacts/m-1`, phones: ['0541112222'] });
  await relay.directory.upsert({ id: 'm-2', name: 'Noa Bar-Lev', company: 'Initech', url: `${crm.url}/contacts/m-2`, phones: ['054-111-2222'] });
  const options = await signInThroughOptions(context, extensionId, relay);
  await expect(options.getByText('Connected', { exact: true })).toBeVisible();

  await ring(relay, { ivrid: 'choose-1', phone: '0541112222' });
  await expect.poll(() => desktop.open().map((n) => n.actions.filter((_, i) => i % 2 === 1)[0])).toEqual(['Choose contact']);
  const shown = desktop.open()[0]!;
  const chooser = context.waitForEvent('page', (p) => p.url().includes('/extension/choose.html'));
  desktop.click(shown.id, shown.actions[shown.actions.indexOf('Choose contact') - 1]);
  const page = await chooser;
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Who is calling from 054-111-2222?');
  await expect(page.getByRole('button')).toHaveCount(2);
  const opened = context.waitForEvent('page', (p) => p.url() === `${crm.url}/contacts/m-2`);
  await page.getByRole('button', { name: /Noa Bar-Lev/ }).click();
  await expect((await opened).locator('h1')).toHaveText('CRM page /contacts/m-2');
  // Every station hears who it is: the notification (still ringing) now names the chosen contact.
  await expect.poll(() => desktop.open().map((n) => n.summary)).toEqual([`${FSI}Noa Bar-Lev${PDI}`]);

  // The next call from the number: the chosen contact at once, and the popup says who chose it.
  await ring(relay, { ivrid: 'choose-2', phone: '0541112222' });
  await expect.poll(() => desktop.open().map((n) => n.summary)).toContain(`${FSI}Noa Bar-Lev${PDI}`);
  const list = await context.newPage();
  await list.goto(`chrome-extension://${extensionId}/extension/popup.html`);
  const row = list.getByRole('listitem').filter({ hasText: 'Noa Bar-Lev' }).first();
  await expect(row.locator('.via')).toHaveText('Chosen from directory by Dana Cohen');
  await expect(row.getByRole('button', { name: 'Choose contact' })).toBeVisible();
});
