import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { WebSocket } from 'ws';
import { startRelay, type TestRelay } from '../relay/tests/helpers';
import { chromiumArgs, chromiumPath } from './chromium';
import { EXTENSION_DIR, expect, launch, seed, signInThroughOptions, test } from './fixtures';
import { NotificationServer } from './notification-server';

/** While any debugger is attached Chrome never stops an idle worker, so this runs Chromium bare. */
function bareChromium(profile: string): ChildProcess {
  return spawn(chromiumPath(), ['--headless', `--user-data-dir=${profile}`, ...chromiumArgs(EXTENSION_DIR), 'about:blank'], {
    stdio: 'ignore',
    env: { ...process.env, NO_AT_BRIDGE: '1' },
  });
}

/** Signs the extension in (with Playwright), then closes that browser: the profile keeps the session. */
async function signedInProfile(relay: TestRelay): Promise<string> {
  const profile = mkdtempSync(join(tmpdir(), 'e2e-keepalive-'));
  const desktop = await NotificationServer.start();
  const context = await launch(profile, desktop);
  const worker = context.serviceWorkers()[0] ?? (await context.waitForEvent('serviceworker'));
  const options = await signInThroughOptions(context, new URL(worker.url()).host, relay);
  await expect(options.getByText('Connected', { exact: true })).toBeVisible();
  await context.close();
  await desktop.stop();
  return profile;
}

/**
 * The first socket that connects: when it opened, when the last message went either way (Chrome
 * counts a worker idle from its last event, not from when the socket opened), and when it closed.
 */
function watchFirstSocket(relay: TestRelay): Promise<{ opened: number; lastMessage: () => number; closed: Promise<number> }> {
  return new Promise((resolve) => {
    relay.sockets.wss.once('connection', (ws: WebSocket) => {
      const opened = Date.now();
      let last = opened;
      ws.on('message', () => (last = Date.now()));
      const send = ws.send.bind(ws);
      ws.send = ((...args: Parameters<WebSocket['send']>) => {
        last = Date.now();
        send(...args);
      }) as WebSocket['send'];
      resolve({ opened, lastMessage: () => last, closed: new Promise((r) => ws.once('close', () => r(Date.now()))) });
    });
  });
}

const IDLE_MS = 70_000;

test('the extension stays connected while idle, and only thanks to the heartbeat', async ({ crm }) => {
  test.setTimeout(180_000);
  // With the heartbeat (every 20 s, the default) and without it (longer than Chrome's 30 s idle limit).
  const withBeat = await startRelay({});
  const withoutBeat = await startRelay({ RELAY_HEARTBEAT_MS: 10 * 60_000 });
  const browsers: ChildProcess[] = [];
  const profiles: string[] = [];
  try {
    for (const relay of [withBeat, withoutBeat]) await seed(relay, crm.url);
    profiles.push(await signedInProfile(withBeat), await signedInProfile(withoutBeat));
    const sockets = [watchFirstSocket(withBeat), watchFirstSocket(withoutBeat)];
    browsers.push(bareChromium(profiles[0]!), bareChromium(profiles[1]!));
    const [kept, dropped] = await Promise.all(sockets);

    // Chrome stops an idle worker 30 s after its last event (it checks every few seconds): the
    // socket without a heartbeat goes within that, counted from the last message, not the open.
    const closedAt = await dropped!.closed;
    const idleFor = closedAt - dropped!.lastMessage();
    expect(idleFor).toBeGreaterThan(25_000);
    expect(idleFor).toBeLessThan(50_000);

    // The socket with the heartbeat must not close during the idle period.
    const idleEnds = kept!.opened + IDLE_MS;
    const outcome = await Promise.race([
      kept!.closed.then((at) => `closed after ${at - kept!.opened} ms`),
      new Promise<string>((resolve) => setTimeout(() => resolve('open'), Math.max(0, idleEnds - Date.now()))),
    ]);
    expect(outcome).toBe('open');
    expect(withBeat.sockets.stats().sockets).toBe(1);
  } finally {
    for (const b of browsers) b.kill();
    await Promise.all([withBeat.stop(), withoutBeat.stop()]);
    for (const p of profiles) rmSync(p, { recursive: true, force: true });
  }
});
