import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { PNG } from 'pngjs';

/** Pixels that may differ (a clock, a date) before a picture counts as changed. */
const CHANGED_BELOW = 0.01;

/**
 * Writes a README picture only when it shows something new: a run whose picture differs from the
 * kept one in a few pixels (times, dates) leaves the tracked file as it is.
 */
export function keepPicture(path: string, png: Buffer): 'written' | 'unchanged' {
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
