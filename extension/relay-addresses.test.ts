import { describe, expect, it } from 'vitest';
import { nextRelay, relayBases } from './relay-addresses';

describe('the Relay URL field', () => {
  it('takes one address, or several separated by commas, spaces or new lines, in order and once each', () => {
    expect(relayBases('http://relay.example:8080/voicenter/abc')).toEqual(['http://relay.example:8080']);
    expect(relayBases('https://a.example, https://b.example\nhttps://a.example/x  http://c.example:81')).toEqual([
      'https://a.example',
      'https://b.example',
      'http://c.example:81',
    ]);
  });

  it('refuses anything that is not an http(s) address', () => {
    expect(relayBases('')).toBeNull();
    expect(relayBases('relay.example')).toBeNull();
    expect(relayBases('https://a.example, ftp://b.example')).toBeNull();
  });

  it('goes to the next relay after a failure, and round again', () => {
    const list = ['https://a.example', 'https://b.example'];
    expect(nextRelay(list, 'https://a.example')).toBe('https://b.example');
    expect(nextRelay(list, 'https://b.example')).toBe('https://a.example');
    expect(nextRelay(['https://a.example'], 'https://a.example')).toBe('https://a.example');
  });
});
