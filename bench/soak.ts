/**
 * Soak (issue 5): 1,000 connected agents, 100 calls per second (each a Ringing and a Hang-up),
 * for SOAK_SECONDS (default 600). Zero lost or duplicated deliveries, memory (RSS over time),
 * p99 delivery latency. `npm run bench -- soak`; not part of `npm test`.
 */
import { readFileSync } from 'node:fs';
import http from 'node:http';
import { benchAgent } from './names';
import { percentile, report, start, startAgents } from './relay.bench';

const SECONDS = Number(process.env.SOAK_SECONDS ?? 600);
const CALLS_PER_SECOND = 100;
const AGENTS = 1_000;

const rssMiB = (pid: number) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) / 1024;

export async function soak(): Promise<Record<string, string | number>> {
  const relay = await start('relay');
  const agents = await startAgents(relay);
  const url = new URL(relay.popupUrl);
  const pool = new http.Agent({ keepAlive: true, maxSockets: 64 });
  let failures = 0;
  const post = (body: string) =>
    new Promise<void>((resolve) => {
      const req = http.request(
        { agent: pool, host: url.hostname, port: url.port, path: url.pathname, method: 'POST', headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } },
        (res) => {
          if (res.statusCode !== 200) failures++;
          res.resume();
          res.on('end', resolve);
        },
      );
      req.on('error', () => {
        failures++;
        resolve();
      });
      req.end(body);
    });
  const rss: string[] = [];
  const rssTimer = setInterval(() => rss.push(`${rss.length * 60}s ${rssMiB(relay.child.pid!).toFixed(0)}`), 60_000);
  rss.push(`0s ${rssMiB(relay.child.pid!).toFixed(0)}`);
  const total = SECONDS * CALLS_PER_SECOND;
  const started = performance.now();
  const inflight = new Set<Promise<void>>();
  for (let sent = 0; sent < total; ) {
    const due = Math.min(total, Math.floor(((performance.now() - started) * CALLS_PER_SECOND) / 1000));
    for (; sent < due; sent++) {
      const agent = benchAgent(sent % AGENTS);
      const ivrid = `lat-${sent}-${Math.round((performance.timeOrigin + performance.now()) * 1000)}`;
      const call = post(JSON.stringify({ ivrid, extenUser: agent, phone: `9725${String(sent).padStart(8, '0')}`, status: 'Ringing' })).then(() =>
        post(JSON.stringify({ ivrid, extenUser: agent, status: 'Hangup', cause: 'Normal hangup' })),
      );
      inflight.add(call);
      // post() counts its failures and never rejects; a call that still did stays in the set, for Promise.all below to throw.
      call.then(() => inflight.delete(call), () => undefined);
    }
    await new Promise((r) => setTimeout(r, 5));
  }
  await Promise.all(inflight);
  clearInterval(rssTimer);
  rss.push(`end ${rssMiB(relay.child.pid!).toFixed(0)}`);
  const deadline = Date.now() + 10_000;
  let result = await report(agents);
  while (result.distinct < total * 2 && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 200));
    result = await report(agents);
  }
  agents.kill();
  relay.child.kill();
  pool.destroy();
  return {
    'duration, calls (each Ringing + Hang-up)': `${SECONDS} s, ${total.toLocaleString('en')}`,
    'requests refused or failed': failures,
    'deliveries expected / received (distinct)': `${(total * 2).toLocaleString('en')} / ${result.distinct.toLocaleString('en')}`,
    'lost deliveries': total * 2 - result.distinct,
    'duplicated deliveries': result.duplicated,
    'Ringing delivery p50 / p99 ms': `${percentile(result.latencies, 50).toFixed(2)} / ${percentile(result.latencies, 99).toFixed(2)}`,
    'relay RSS MiB over time': rss.join(', '),
  };
}
