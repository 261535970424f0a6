import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EXTENSION_ID, expect, launch, optionsPage, ring, seed, serviceWorker, test } from './fixtures';
import { POLICIES, skipWithoutMachinePolicies } from './machine-policy';
import { NotificationServer } from './notification-server';
import { startRelay } from '../relay/tests/helpers';

const FILE = join(POLICIES, 'screenpop-e2e.json');

skipWithoutMachinePolicies();

async function withPolicy(policy: Record<string, unknown>, body: (ctx: Awaited<ReturnType<typeof launch>>) => Promise<void>): Promise<void> {
  writeFileSync(FILE, JSON.stringify({ '3rdparty': { extensions: { [EXTENSION_ID]: policy } } }));
  const desktop = await NotificationServer.start();
  const profile = mkdtempSync(join(tmpdir(), 'e2e-policy-'));
  const context = await launch(profile, desktop);
  try {
    await body(context);
  } finally {
    await context.close();
    await desktop.stop();
    rmSync(FILE, { force: true });
    rmSync(profile, { recursive: true, force: true });
  }
}

test.describe('set up by the organisation (Chrome policy)', () => {
  test('the relay address arrives locked, only sign-in is left, and the CRM page opens by itself as the policy says', async ({ crm }) => {
    const relay = await startRelay();
    try {
      await seed(relay, crm.url);
      await withPolicy({ relayUrls: relay.url, lockRelayUrls: true, openCrm: 'ringing', lockOpenCrm: true }, async (context) => {
        const worker = await serviceWorker(context);
        const options = await optionsPage(context, new URL(worker.url()).host);
        const address = options.getByLabel('Relay URL');
        await expect(address).toHaveValue(relay.url);
        await expect(address).toHaveAttribute('readonly', '');
        await expect(options.getByText('Set by your organisation.').first()).toBeVisible();
        await expect(options.getByLabel("Open the caller's CRM page by itself")).toBeDisabled();
        await expect(options.getByLabel("Open the caller's CRM page by itself")).toHaveValue('ringing');
        await options.getByLabel('Extension user').fill('KGpK4iWq');
        await options.getByLabel('Password').fill('dana-pass');
        await options.getByRole('button', { name: 'Sign in' }).click();
        await expect(options.getByText('Connected', { exact: true })).toBeVisible();
        const opened = context.waitForEvent('page', (p) => p.url() === `${crm.url}/contacts/1`);
        await ring(relay, { ivrid: 'e2e-policy', phone: '0722776772' });
        await opened;
      });
    } finally {
      await relay.stop();
    }
  });

  test('an organisation address that is not one is ignored, and the options page says so', async () => {
    await withPolicy({ relayUrls: 'not an address', lockRelayUrls: true }, async (context) => {
      const worker = await serviceWorker(context);
      const options = await optionsPage(context, new URL(worker.url()).host);
      await expect(options.getByText(/^Your organisation's relay address is not usable and was ignored: \u2068not an address\u2069$/)).toBeVisible();
      await expect(options.getByLabel('Relay URL')).not.toHaveAttribute('readonly', '');
    });
  });
});
