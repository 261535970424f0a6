/**
 * 1,000 connected agents, in a process of their own so that receiving does not slow the load
 * generator. Each delivery whose ivrid is `lat-<n>-<sent µs since epoch>` is timed on arrival.
 * On "report" (IPC) it answers the sorted latencies in ms.
 */
import { WebSocket } from 'ws';
import { AUTH_PROTOCOL_PREFIX, PROTOCOL } from '../shared/messages';
import { benchToken } from './names';

const [url, count = '1000'] = process.argv.slice(2);
const latencies: number[] = [];
/** Deliveries per call and state (`<ivrid>/<state>`), to find lost and duplicated ones. */
const deliveries = new Map<string, number>();
const nowMicros = () => (performance.timeOrigin + performance.now()) * 1000;

async function connect(i: number): Promise<WebSocket> {
  const ws = new WebSocket(`${url!.replace('http', 'ws')}/ws`, [PROTOCOL, `${AUTH_PROTOCOL_PREFIX}${benchToken(i)}`]);
  ws.on('message', (data) => {
    const text = (data as Buffer).toString();
    const at = text.indexOf('"ivrid":"lat-');
    // One relay writes "type" first; several put the shared "seq" first.
    if (at < 0 || !text.slice(0, 40).includes('"type":"call"')) return;
    const id = text.slice(at + 9, text.indexOf('"', at + 9));
    const state = /"state":"(\w+)"/.exec(text)?.[1] ?? '';
    const key = `${id}/${state}`;
    deliveries.set(key, (deliveries.get(key) ?? 0) + 1);
    if (state === 'ringing') latencies.push((nowMicros() - Number(id.split('-')[2])) / 1000);
  });
  return new Promise((resolve, reject) => {
    ws.once('open', () => resolve(ws));
    ws.once('error', reject);
  });
}

for (let i = 0; i < Number(count); i += 100) {
  await Promise.all(Array.from({ length: Math.min(100, Number(count) - i) }, (_, k) => connect(i + k)));
}
process.send!({ ready: true });
process.on('message', (m: { report?: boolean }) => {
  if (m.report) {
    let duplicated = 0;
    for (const n of deliveries.values()) if (n > 1) duplicated++;
    process.send!({ latencies: latencies.sort((a, b) => a - b), distinct: deliveries.size, duplicated });
  }
});
