import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DEFAULT_METRICS_ALLOW_IPS, loadConfig, makeConfig } from '../platform/config';
import { projectPath } from '../platform/project-root';

/**
 * The README's settings table and the settings the relay reads (relay/platform/config.ts) name the
 * same settings with the same defaults: both are read here, so a setting added, removed or given
 * another default on either side fails until the other follows.
 */

interface Row {
  names: string[];
  /** The default column as written, backticks kept. */
  written: string;
}

/** The rows of the table in the README's "## Configuration" section (the section only: other tables name other things). */
function documentedRows(): Row[] {
  const readme = readFileSync(projectPath('README.md'), 'utf8');
  const section = /^## Configuration\n([\s\S]*?)(?=^## )/m.exec(readme)?.[1];
  if (!section) throw new Error('README.md has no "## Configuration" section');
  const lines = section.split('\n').filter((line) => line.startsWith('|'));
  const cells = (line: string) => line.split('|').slice(1, -1).map((c) => c.trim());
  expect(cells(lines[0] ?? '')).toEqual(['variable', 'default', 'meaning']);
  return lines.slice(2).map((line) => {
    const [variable = '', written = ''] = cells(line);
    const names = [...variable.matchAll(/`([A-Z][A-Z0-9_]*)`/g)].map((m) => m[1]!);
    if (names.length === 0) throw new Error(`README.md: a settings row names no setting: ${line.slice(0, 80)}`);
    return { names, written };
  });
}

/**
 * Every setting the relay reads and what it is without any (an empty environment): loadConfig asks
 * the environment for each setting its schema has, by name, and parses what it found.
 */
function schemaSettings(): { names: Set<string>; defaults: Record<string, unknown> } {
  const asked = new Set<string>();
  const env = new Proxy<NodeJS.ProcessEnv>({}, {
    get: (_target, key) => {
      if (typeof key === 'string') asked.add(key);
      return undefined;
    },
  });
  const { config } = loadConfig(env);
  return { names: asked, defaults: config };
}

/** Defaults the README says in words, and what the schema must give for each. */
const DESCRIBED: Record<string, unknown> = {
  'generated on first start, kept in the data dir': undefined,
  'loopback and private ranges': DEFAULT_METRICS_ALLOW_IPS,
};

/** What the README's default must match: a value, or nothing ("none", or another setting's value). */
function expectedDefault(written: string, settings: Set<string>): { nothing: true } | { value: unknown } | { text: string } {
  if (/^none\b/.test(written)) return { nothing: true };
  const other = /^`([A-Z][A-Z0-9_]*)`$/.exec(written)?.[1];
  if (other && settings.has(other)) return { nothing: true };
  if (written in DESCRIBED) return { value: DESCRIBED[written] };
  return { text: written.replace(/^`(.*)`$/, '$1') };
}

/** A default as the README writes a value: lists comma-separated, as the environment gives them. */
const asText = (value: unknown) => (Array.isArray(value) ? value.join(',') : String(value));
const isNothing = (value: unknown) => value === undefined || value === '' || (Array.isArray(value) && value.length === 0);

describe("the README's settings table", () => {
  const rows = documentedRows();
  const { names, defaults } = schemaSettings();

  it('is read from both sides: the schema names every setting that has a default', () => {
    // Guards the reading above: were loadConfig to stop asking the environment by name, nothing would be compared.
    expect(Object.keys(makeConfig()).filter((k) => !names.has(k))).toEqual([]);
    expect(rows.length).toBeGreaterThan(10);
  });

  it('names every setting of the schema, each once, and no other', () => {
    const documented = rows.flatMap((r) => r.names);
    expect(documented.filter((n, i) => documented.indexOf(n) !== i)).toEqual([]);
    expect([...documented].sort()).toEqual([...names].sort());
  });

  it('gives each setting the default the schema gives it', () => {
    const differ: string[] = [];
    for (const { names: named, written } of rows) {
      const expected = expectedDefault(written, names);
      for (const name of named) {
        const actual = defaults[name];
        const same = 'nothing' in expected ? isNothing(actual) : 'value' in expected ? JSON.stringify(actual) === JSON.stringify(expected.value) : asText(actual) === expected.text;
        if (!same) differ.push(`${name}: README says ${written}, the schema gives ${JSON.stringify(actual)}`);
      }
    }
    expect(differ).toEqual([]);
  });
});
