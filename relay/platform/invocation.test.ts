import { describe, expect, it } from 'vitest';
import { buildAdvice, relayCommand } from './invocation';

/** The commands the relay's words name are ones that exist where it runs. */
describe('relayCommand', () => {
  it('is the npm script in the project (npm start, npm run relay)', () => {
    expect(relayCommand('admin passwd', { npmScript: 'start', script: '/srv/pop/dist/relay/main.js', cwd: '/srv/pop' })).toBe('npm run relay -- admin passwd');
  });

  it('is node on the compiled relay in the container image, from its working folder', () => {
    expect(relayCommand('admin passwd', { npmScript: undefined, script: '/app/dist/relay/main.js', cwd: '/app' })).toBe('node dist/relay/main.js admin passwd');
    expect(relayCommand('agents list', { npmScript: undefined, script: '/app/dist/relay/main.js', cwd: '/' })).toBe('node app/dist/relay/main.js agents list');
  });

  it('is tsx on the sources when node runs them without npm', () => {
    expect(relayCommand('<command>', { npmScript: undefined, script: '/work/relay/main.ts', cwd: '/work' })).toBe('npx tsx relay/main.ts <command>');
  });
});

describe('buildAdvice', () => {
  it('names npm run build only where the sources are', () => {
    expect(buildAdvice(true)).toContain('npm run build');
    expect(buildAdvice(false)).not.toContain('npm');
  });
});
