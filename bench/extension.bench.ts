/**
 * HTTP request to the relay → notification shown on the desktop, over 100 calls, in real
 * Chromium with the built extension (target p95 < 50 ms); and the peak memory of the process
 * that runs the extension's service worker.
 */
import { readdirSync, readFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { launch, serviceWorker, seed, signInThroughOptions } from '../e2e/fixtures';
import { NotificationServer } from '../e2e/notification-server';
import { popup, startRelay } from '../relay/tests/helpers';

const CALLS = 100;

/** VmHWM (peak) and VmRSS of Chromium's extension process, in MiB. */
function extensionProcessMemory(): { peak: number; now: number } | null {
  for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    try {
      const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
      if (!cmdline.includes('--extension-process')) continue;
      const status = readFileSync(`/proc/${pid}/status`, 'utf8');
      const kb = (key: string) => Number(new RegExp(`${key}:\\s+(\\d+)`).exec(status)?.[1] ?? 0);
      return { peak: kb('VmHWM') / 1024, now: kb('VmRSS') / 1024 };
    } catch {
      // The process ended while being read.
    }
  }
  return null;
}

export async function extensionBench(): Promise<Record<string, string | number>> {
  const relay = await startRelay({});
  await seed(relay, 'http://127.0.0.1:9');
  const desktop = await NotificationServer.start();
  const profile = mkdtempSync(join(tmpdir(), 'bench-ext-'));
  const context = await launch(profile, desktop);
  try {
    const worker = await serviceWorker(context);
    const options = await signInThroughOptions(context, new URL(worker.url()).host, relay);
    await options.getByText('Connected', { exact: true }).waitFor();
    // Only a blank tab stays open (closing the last one would close the browser).
    const blank = await context.newPage();
    for (const page of context.pages()) if (page !== blank) await page.close();

    const times: number[] = [];
    for (let i = 0; i < CALLS; i++) {
      const shown = new Promise<number>((resolve) => (desktop.onNotify = () => resolve(performance.now())));
      const started = performance.now();
      await popup(relay, { ivrid: `bench-${i}`, extenUser: 'KGpK4iWq', phone: i % 2 ? '0722776772' : '0501234567', status: 'Ringing' });
      times.push((await shown) - started);
      const cleared = desktop.open().length;
      await popup(relay, { ivrid: `bench-${i}`, extenUser: 'KGpK4iWq', status: 'Hangup', cause: 'Normal hangup' });
      const deadline = Date.now() + 5_000;
      while (desktop.open().length >= cleared && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
    }
    times.sort((a, b) => a - b);
    const at = (p: number) => times[Math.min(times.length - 1, Math.floor((p / 100) * times.length))]!.toFixed(1);
    const memory = extensionProcessMemory();
    return {
      [`request → notification shown, ${CALLS} calls, p50 ms`]: at(50),
      [`request → notification shown, ${CALLS} calls, p95 ms (target < 15)`]: at(95),
      'request → notification shown, max ms': times.at(-1)!.toFixed(1),
      'extension process (service worker) peak RSS MiB': memory ? memory.peak.toFixed(1) : 'not found',
      'extension process RSS after the run MiB': memory ? memory.now.toFixed(1) : 'not found',
      summary: `extension: notification shown p50 ${at(50)} ms p95 ${at(95)} ms over ${CALLS} calls`,
    };
  } finally {
    await context.close();
    await desktop.stop();
    await relay.stop();
    rmSync(profile, { recursive: true, force: true });
  }
}
