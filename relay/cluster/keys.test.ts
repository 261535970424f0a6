import { describe, expect, it } from 'vitest';
import { keys } from './keys';

/** Values a caller or Voicenter controls, chosen to collide with another key's name if left as they are. */
const TRICKY = ['V', 'V:identity', 'V%3Aidentity', 'V:', ':identity', '%', '%25', 'a|b', 'a', 'b|c', '', 'calls:open', 'open'];

describe('Redis keys', () => {
  it('no value names another key, whatever kind either is', () => {
    const built = new Map<string, string>();
    const add = (name: string, what: string) => {
      expect(built.get(name), `${what} and ${built.get(name)} share ${name}`).toBeUndefined();
      built.set(name, what);
    };
    for (const name of [keys.epoch, keys.deliveries, keys.openCalls]) add(name, name);
    for (const v of TRICKY) {
      add(keys.call(v), `call ${v}`);
      add(keys.identity(v), `identity ${v}`);
      add(keys.lookup(v), `lookup ${v}`);
      add(keys.station(v), `station ${v}`);
      add(keys.lease(v), `lease ${v}`);
      add(keys.throttle.address(v), `address ${v}`);
      add(keys.throttle.account(v), `account ${v}`);
      add(keys.throttle.slow(v), `slow ${v}`);
      add(keys.throttle.pairs(v), `pairs ${v}`);
      for (const w of TRICKY) {
        add(keys.throttle.pair(v, w), `pair ${v} ${w}`);
        add(keys.throttle.trusted(v, w), `trusted ${v} ${w}`);
      }
    }
  });

  it('ordinary ivrids and stations keep the names relays of the version before used', () => {
    expect(keys.call('1700000000.123-ab_c')).toBe('call:1700000000.123-ab_c');
    expect(keys.identity('1700000000.123')).toBe('call:1700000000.123:identity');
    expect(keys.station('200')).toBe('station:200');
    expect(keys.seq(7)).toBe('seq:7');
  });
});
