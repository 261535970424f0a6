import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { reasonKind } from './unhandled-rejections';

/**
 * In a process of its own: Vitest watches for unhandled rejections in this one (and fails the run
 * on them), and without the relay's listener Node ends a process at the first.
 */
const script = `
import { pino } from 'pino';
import { countUnhandledRejections, unhandledRejections } from './relay/platform/unhandled-rejections.ts';
countUnhandledRejections(pino());
Promise.reject(new TypeError('first'));
Promise.reject(new TypeError('second'));
Promise.reject('a reason that is no error');
// Unhandled rejections are told once the microtasks are done, before the next turn of the loop.
setImmediate(async () => console.log(JSON.stringify({ counted: (await unhandledRejections.get()).values })));
`;

describe('a promise rejected with nothing to handle it', () => {
  it('is counted by kind and said once per kind, and the process goes on to its end', () => {
    const run = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { encoding: 'utf8', timeout: 60_000 });
    expect(run.status, run.stderr).toBe(0);
    const lines = run.stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    const said = lines.filter((l) => /nothing handled it/.test(String(l.msg)));
    expect(said.map((l) => l.kind)).toEqual(['TypeError', 'string']);
    expect(said[0]).toMatchObject({ level: 50, err: { message: 'first' } });
    // pino writes on its own schedule: the count may come before the lines or after them.
    const counted = (lines.find((l) => 'counted' in l)!.counted as { labels: { kind: string }; value: number }[]).map((v) => [v.labels.kind, v.value]);
    expect(counted).toEqual([['TypeError', 2], ['string', 1]]);
  });

  it('is kinded by its error name, or the type of what was thrown', () => {
    expect(reasonKind(new RangeError('x'))).toBe('RangeError');
    expect(reasonKind(Object.assign(new Error('x'), { name: 'not a name!' }))).toBe('Error');
    expect(reasonKind(null)).toBe('null');
    expect(reasonKind(undefined)).toBe('undefined');
  });
});
