import { BlockList, isIP } from 'node:net';

/**
 * The addresses allowed to call the pop-up URL (RELAY_POPUP_ALLOW_IPS): single IPs or CIDR
 * ranges, IPv4 or IPv6. Voicenter publishes no source list, so this is for the supervisor who
 * knows where requests come from (a proxy, the office network). Empty: everyone.
 */
export function ipAllowList(entries: string[]): ((ip: string | undefined) => boolean) | null {
  if (entries.length === 0) return null;
  const list = new BlockList();
  for (const entry of entries) {
    const [address, prefix] = entry.split('/') as [string, string | undefined];
    const type = isIP(address) === 6 ? 'ipv6' : 'ipv4';
    if (prefix === undefined) list.addAddress(address, type);
    else list.addSubnet(address, Number(prefix), type);
  }
  return (ip) => {
    if (!ip) return false;
    // An IPv4 client on a dual-stack socket shows as ::ffff:a.b.c.d.
    const plain = ip.startsWith('::ffff:') && isIP(ip.slice(7)) === 4 ? ip.slice(7) : ip;
    const type = isIP(plain) === 6 ? 'ipv6' : 'ipv4';
    return isIP(plain) !== 0 && list.check(plain, type);
  };
}
