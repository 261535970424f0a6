import { describe, expect, it } from 'vitest';
import { MAX_OPEN_CALLS } from '../shared/messages';
import { openCalls } from './open-calls';

describe('openCalls (what a resume names as still shown open)', () => {
  it('takes the saved calls not over, the live ones and those on screen, each once', () => {
    const recent = [
      { ivrid: 'ringing', state: 'ringing' },
      { ivrid: 'talking', state: 'talking' },
      { ivrid: 'over', state: 'ended' },
    ];
    expect(openCalls(recent, ['talking', 'live-only', null, 'on-screen'])).toEqual(['ringing', 'talking', 'live-only', 'on-screen']);
  });

  it('names no more than the relay takes', () => {
    const recent = Array.from({ length: MAX_OPEN_CALLS + 20 }, (_, i) => ({ ivrid: `c-${i}`, state: 'ringing' }));
    expect(openCalls(recent, [])).toHaveLength(MAX_OPEN_CALLS);
  });
});
