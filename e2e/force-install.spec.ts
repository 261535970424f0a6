import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import { startRelay } from '../relay/tests/helpers';
import { chromiumPath } from './chromium';
import { POLICIES, skipWithoutMachinePolicies } from './machine-policy';

/**
 * An IT administrator's rollout: one machine policy, no extension loaded by hand. Chromium reads
 * `ExtensionInstallForcelist` from Debian's policy folder, fetches the update manifest and the CRX
 * the relay signs with the installation's own key, and the extension arrives pointed at the relay
 * (its `3rdparty` policy). Playwright's own launch arguments stop policy installs
 * (--disable-extensions, --disable-background-networking): Chromium is started here by hand and
 * watched through its DevTools target list.
 */
const FILE = join(POLICIES, 'screenpop-e2e-forcelist.json');
const FILE_3RDPARTY = join(POLICIES, 'screenpop-e2e-forcelist-3rdparty.json');

skipWithoutMachinePolicies();

const freePort = () =>
  new Promise<number>((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as AddressInfo;
      s.close(() => resolve(port));
    });
  });

test('installed by policy from the relay itself: its worker runs and it opens its options page for sign-in', async () => {
  const relay = await startRelay();
  const id = relay.installationExtensionId;
  const profile = mkdtempSync(join(tmpdir(), 'e2e-forcelist-'));
  const port = await freePort();
  let proc: ChildProcess | undefined;
  try {
    writeFileSync(FILE, JSON.stringify({ ExtensionInstallForcelist: [`${id};${relay.url}/extension/updates.xml`] }));
    writeFileSync(FILE_3RDPARTY, JSON.stringify({ '3rdparty': { extensions: { [id]: { relayUrls: relay.url, lockRelayUrls: true } } } }));
    proc = spawn(
      chromiumPath(),
      ['--headless=new', '--no-sandbox', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-gpu', `--user-data-dir=${profile}`, `--remote-debugging-port=${port}`, 'about:blank'],
      { stdio: 'ignore' },
    );
    // Installed, the extension opens its options page by itself (no session yet). Chromium's own
    // list of targets says when (Playwright's CDP view does not list the tabs Chromium opened itself).
    const optionsUrl = `chrome-extension://${id}/extension/options.html`;
    const deadline = Date.now() + 30_000;
    const targets = () => fetch(`http://127.0.0.1:${port}/json/list`).then((r) => r.json() as Promise<{ type: string; url: string }[]>);
    // (DevTools is not up for the first moments: not listed yet.)
    // Installed: its worker runs, and (no session yet) it has opened its options page.
    const listed = async () => {
      const ours = (await targets().catch(() => [])).filter((t) => t.url.startsWith(`chrome-extension://${id}/`));
      return ours.some((t) => t.type === 'service_worker') && ours.some((t) => t.url === optionsUrl);
    };
    while (!(await listed())) {
      if (Date.now() > deadline) throw new Error(`the extension ${id} was not installed from ${relay.url}/extension/updates.xml within 30 s`);
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    // Its worker runs, and the page it opened is its options page: only sign-in is left there.
    // (Reading that page's fields — the relay address set and locked by the 3rdparty policy — is
    // not done yet: Playwright's connectOverCDP to this Chromium lists none of its tabs.)
    const ours = (await targets()).filter((t) => t.url.startsWith(`chrome-extension://${id}/`));
    expect(ours.map((t) => t.type).sort()).toEqual(['page', 'service_worker']);
    expect(ours.some((t) => t.url === optionsUrl)).toBe(true);
  } finally {
    proc?.kill('SIGKILL');
    rmSync(FILE, { force: true });
    rmSync(FILE_3RDPARTY, { force: true });
    rmSync(profile, { recursive: true, force: true });
    await relay.stop();
  }
});
