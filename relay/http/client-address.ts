import type { IncomingMessage } from 'node:http';
import { isIP } from 'node:net';
import proxyaddr from 'proxy-addr';
import { ConfigError, trustedProxies } from '../platform/config';

/** Whether an address is one of the reverse proxies RELAY_TRUST_PROXY names (the hop is not asked: a count never is one). */
export type ProxyTrust = (address: string, hop: number) => boolean;

/**
 * RELAY_TRUST_PROXY as proxy-addr's trust function: true for an address among the named proxies
 * only. Checked again here, for a configuration made without loadConfig (makeConfig).
 */
export function proxyTrust(setting: string): ProxyTrust {
  const read = trustedProxies(setting);
  if (!read.ok) throw new ConfigError(`RELAY_TRUST_PROXY: ${read.error}`);
  return read.proxies.length === 0 ? () => false : proxyaddr.compile(read.proxies);
}

/**
 * The client's address: the peer's, or — the peer being a trusted proxy — the address it says
 * it forwarded for (X-Forwarded-For, right to left through trusted proxies, as Express reads it).
 * A forwarded value that is not an IP address (net.isIP: no `not-an-ip<script>`, nor ipaddr's
 * lenient `3232235777`) is no one's: the address is then the proxy's that passed it on.
 */
export function clientAddress(req: IncomingMessage, trust: ProxyTrust): string | undefined {
  const [peer, ...forwarded] = proxyaddr.all(req, trust);
  let address = peer;
  for (const hop of forwarded) {
    if (isIP(hop) === 0) break;
    address = hop;
  }
  return address;
}
