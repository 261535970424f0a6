/**
 * The two outside parties of the hanging-CRM bench (bench/lookup.bench.ts), each run in a process
 * of its own so that only the relay's work is in the relay's event loop, as in production:
 *   crm               — a CRM that takes requests and never answers; prints {"url"} once listening
 *   burst <url> <tag> — Voicenter: 50 JSON pop-up requests at once, one connection each (Node's own
 *                       HTTP client); prints the answer times in ms, sorted, as a JSON array
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { benchPhone } from './names';
import { postJson } from './popup-client';

export const BURST = 50;

function crm(): void {
  const server = http.createServer(() => undefined);
  server.listen(0, '127.0.0.1', () => console.log(JSON.stringify({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` })));
}

async function burst(popupUrl: string, tag: string): Promise<void> {
  const url = new URL(popupUrl);
  const agent = new http.Agent({ maxSockets: BURST });
  const times = await Promise.all(
    Array.from({ length: BURST }, async (_, i) => {
      const started = performance.now();
      const status = await postJson(url, agent, JSON.stringify({ ivrid: `hang-${tag}-${i}`, extenUser: 'KGpK4iWq', phone: benchPhone(i), status: 'Ringing' }));
      if (status !== 200) throw new Error(`status ${status}`);
      return performance.now() - started;
    }),
  );
  agent.destroy();
  console.log(JSON.stringify(times.sort((a, b) => a - b)));
}

const [mode, ...args] = process.argv.slice(2);
if (mode === 'crm') crm();
else if (mode === 'burst') await burst(args[0]!, args[1]!);
