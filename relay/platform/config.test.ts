import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from './config';

function file(name: string, text: string): string {
  const path = join(mkdtempSync(join(tmpdir(), 'config-')), name);
  writeFileSync(path, text);
  return path;
}

describe('loadConfig', () => {
  it('takes the settings of the RELAY_CONFIG file, the environment overriding them', () => {
    const path = file('relay.yaml', 'settings:\n  PORT: 9000\n  HOST: 127.0.0.1\n  RELAY_POPUP_ALLOW_IPS: [10.0.0.0/8, 192.168.1.5]\n  RELAY_LOG_PHONES: full\n');
    const { config } = loadConfig({ RELAY_CONFIG: path, HOST: '0.0.0.0' });
    expect(config).toMatchObject({ PORT: 9000, HOST: '0.0.0.0', RELAY_POPUP_ALLOW_IPS: ['10.0.0.0/8', '192.168.1.5'], RELAY_LOG_PHONES: 'full', RELAY_DEFAULT_COUNTRY: 'IL' });
  });

  it('reads JSON files too, and a file without settings gives the defaults', () => {
    expect(loadConfig({ RELAY_CONFIG: file('relay.json', '{"settings": {"RELAY_DEFAULT_COUNTRY": "us"}}') }).config.RELAY_DEFAULT_COUNTRY).toBe('US');
    expect(loadConfig({ RELAY_CONFIG: file('relay.yaml', 'sources:\n  - kind: directory\n') }).config.PORT).toBe(8080);
  });

  it('names the file and key of an unknown or bad setting', () => {
    const unknown = file('relay.yaml', 'settings:\n  RELAY_PORTT: 1\n');
    expect(() => loadConfig({ RELAY_CONFIG: unknown })).toThrow(`${unknown}: settings.RELAY_PORTT: unknown setting`);
    const nested = file('relay.yaml', 'settings:\n  PORT: {a: 1}\n');
    expect(() => loadConfig({ RELAY_CONFIG: nested })).toThrow(`${nested}: settings.PORT: must be a text, a number or a list`);
    expect(() => loadConfig({ RELAY_CONFIG: file('relay.yaml', 'settings:\n  PORT: ninety\n') })).toThrow('PORT: must be a number');
    expect(() => loadConfig({ RELAY_CONFIG: '/nonexistent/relay.yaml' })).toThrow('RELAY_CONFIG: cannot read /nonexistent/relay.yaml');
  });

  it('takes a pop-up port on HOST or its own address, never the main port again, and its address only with it', () => {
    expect(loadConfig({ RELAY_POPUP_PORT: '8443' }).config).toMatchObject({ PORT: 8080, RELAY_POPUP_PORT: 8443 });
    expect(loadConfig({}).config.RELAY_POPUP_PORT).toBeUndefined();
    expect(loadConfig({ HOST: '10.0.0.5', RELAY_POPUP_PORT: '8080', RELAY_POPUP_HOST: '203.0.113.7' }).config.RELAY_POPUP_PORT).toBe(8080);
    expect(() => loadConfig({ RELAY_POPUP_PORT: 'https' })).toThrow('RELAY_POPUP_PORT: must be a number');
    expect(() => loadConfig({ RELAY_POPUP_PORT: '70000' })).toThrow('RELAY_POPUP_PORT:');
    expect(() => loadConfig({ RELAY_POPUP_PORT: '8080' })).toThrow('RELAY_POPUP_PORT: 8080 is PORT already');
    expect(() => loadConfig({ HOST: '10.0.0.5', RELAY_POPUP_PORT: '8080', RELAY_POPUP_HOST: '0.0.0.0' })).toThrow('RELAY_POPUP_PORT: 8080 is PORT already');
    expect(() => loadConfig({ RELAY_POPUP_HOST: '203.0.113.7' })).toThrow('RELAY_POPUP_HOST: only with RELAY_POPUP_PORT');
  });

  it('reports unknown RELAY_ variables in the environment without failing', () => {
    expect(loadConfig({ RELAY_DATADIR: '/x' }).unknown).toEqual(['RELAY_DATADIR']);
  });
});
