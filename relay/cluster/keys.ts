/**
 * Every key the relays keep in Redis, one builder per kind (under RELAY_REDIS_PREFIX, which
 * ioredis adds). A value that comes from outside — an ivrid, a station, an account, an address —
 * is escaped so that it holds none of the characters that separate a key's parts (`:` and `|`,
 * and `%`, the escape itself): no value can name another key (the ivrid `V:identity` would
 * otherwise be call V's identity). The ordinary values (letters, digits, `.`, `-`, `_`) are left
 * as they are, so a call's keys are the same on relays of the version before.
 */
const part = (value: string) => value.replace(/[%:|]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

export const keys = {
  /** The cluster's numbering epoch (a string). */
  epoch: 'epoch',
  /** Every relay's deliveries, read by all in order (a stream). */
  deliveries: 'deliveries',
  /** The calls still going somewhere, by start time (a sorted set of ivrids): the console's floor. */
  openCalls: 'calls:open',
  /** What happened to a call: its requests and the stations ended for lack of news (a list). */
  call: (ivrid: string) => `call:${part(ivrid)}`,
  /** Who the caller is, once found (a string: an Identity as JSON). */
  identity: (ivrid: string) => `call:${part(ivrid)}:identity`,
  /** Claimed by the one relay that looks the caller up. */
  lookup: (ivrid: string) => `lookup:${part(ivrid)}`,
  /** The calls of one station, by time (a sorted set of ivrids), for a resync on any relay. */
  station: (extenUser: string) => `station:${part(extenUser)}`,
  /** An agent's last message number (a string holding an integer). */
  seq: (agentId: number) => `seq:${agentId}`,
  /** An agent's messages kept for replay (a stream). */
  out: (agentId: number) => `out:${agentId}`,
  /** The last views a relay delivered to an agent while Redis was away (a hash). */
  away: (agentId: number) => `away:${agentId}`,
  /** A piece of work one relay does for all (a string naming its holder). */
  lease: (what: string) => `realtime:${part(what)}`,
  /** The sign-in throttle's: per (account, address), per address, per account, and the account's pairs. */
  throttle: {
    pair: (account: string, address: string) => `thr:p:${part(account)}|${part(address)}`,
    address: (address: string) => `thr:a:${part(address)}`,
    account: (account: string) => `thr:n:${part(account)}`,
    slow: (account: string) => `thr:s:${part(account)}`,
    trusted: (account: string, address: string) => `thr:t:${part(account)}|${part(address)}`,
    pairs: (account: string) => `thr:pairs:${part(account)}`,
  },
} as const;
