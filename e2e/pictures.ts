import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { Page } from '@playwright/test';
import { PNG } from 'pngjs';
import type { ShownNotification } from './notification-server';

/** Produced by every run and shown in the README: never drawn by hand. */
export const SCREENSHOTS = 'docs/screenshots';

/**
 * Where a run that was not asked to refresh the README's pictures puts them. A test run changes
 * no tracked file: a picture that moved (a clock, a live timer under load) would otherwise dirty
 * the checkout of every run. `npm run pictures` sets SCREENPOP_PICTURES=write.
 */
const UNTRACKED = 'test-results/pictures';
const REFRESH = process.env.SCREENPOP_PICTURES === 'write';

/** Pixels that may differ (a clock, a date) before a picture counts as changed. */
const CHANGED_BELOW = 0.01;

/**
 * Writes a README picture (when asked to) only when it shows something new: a run whose picture differs from the
 * kept one in a few pixels (times, dates) leaves the tracked file as it is.
 */
export function keepPicture(path: string, png: Buffer): 'written' | 'unchanged' {
  if (!REFRESH) {
    mkdirSync(UNTRACKED, { recursive: true });
    writeFileSync(join(UNTRACKED, basename(path)), png);
    return 'unchanged';
  }
  if (existsSync(path) && sameMostly(PNG.sync.read(readFileSync(path)), PNG.sync.read(png))) return 'unchanged';
  writeFileSync(path, png);
  return 'written';
}

function sameMostly(a: PNG, b: PNG): boolean {
  if (a.width !== b.width || a.height !== b.height) return false;
  let differing = 0;
  for (let i = 0; i < a.data.length; i += 4) {
    if (a.data[i] !== b.data[i] || a.data[i + 1] !== b.data[i + 1] || a.data[i + 2] !== b.data[i + 2]) differing++;
  }
  return differing / (a.width * a.height) < CHANGED_BELOW;
}

const escape = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** The notification as the desktop received it, drawn as a desktop draws one (right to left for Hebrew), for the README. */
export async function drawNotification(page: Page, n: ShownNotification, path: string, dir: 'ltr' | 'rtl' = 'ltr'): Promise<void> {
  const labels = n.actions.filter((_, i) => i % 2 === 1 && n.actions[i - 1] !== 'default');
  await page.setContent(`<!doctype html><html lang="${dir === 'rtl' ? 'he' : 'en'}" dir="${dir}"><body style="margin:0;background:#e8eaed;font:14px system-ui,sans-serif">
    <div id="card" style="width:360px;margin:16px;padding:12px 14px;background:#fff;border-radius:10px;box-shadow:0 2px 10px #0003">
      <div style="color:#5f6368;font-size:12px;margin-bottom:6px">Chromium · Voicenter Screen Pop</div>
      <div style="font-weight:600;font-size:15px">${escape(n.summary)}</div>
      <div style="white-space:pre-line;color:#3c4043;margin-top:2px">${escape(n.body)}</div>
      ${labels.map((l) => `<button style="margin-top:10px;margin-inline-end:6px;padding:4px 10px;border:1px solid #dadce0;border-radius:4px;background:#fff;color:#1a73e8">${escape(l)}</button>`).join('')}
    </div></body></html>`);
  keepPicture(path, await page.locator('#card').screenshot());
}
