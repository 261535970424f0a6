/**
 * The "Relay URL" field takes one address or several (a small site runs two relays and no load
 * balancer): separated by commas, spaces or new lines, tried in order.
 */

/** The relays' base URLs from what the agent typed (a pasted pop-up URL works too); null when one is not http(s). */
export function relayBases(input: string): string[] | null {
  const parts = input.split(/[\s,]+/).map((p) => p.trim()).filter(Boolean);
  if (parts.length === 0) return null;
  const bases: string[] = [];
  for (const part of parts) {
    let url: URL;
    try {
      url = new URL(part);
    } catch {
      return null;
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') return null;
    if (!bases.includes(url.origin)) bases.push(url.origin);
  }
  return bases;
}

/** The relay to try after `current` failed: the next in the list, round and round. */
export function nextRelay(list: string[], current: string): string {
  if (list.length === 0) return current;
  const at = list.indexOf(current);
  return list[(at + 1) % list.length]!;
}
