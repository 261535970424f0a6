/**
 * Pop-up endpoint throughput and latency with 1,000 connected agents, against a bare Express 5
 * JSON endpoint in the same run; and request → agent delivery latency at 1,000 requests/s.
 * Targets (issue 16): throughput ratio ≥ 0.85 (the median of BENCH_ROUNDS rounds, bare then relay, each
 * BENCH_SECONDS long); delivery p99 < 5 ms.
 */
import { fork, spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import { createInterface } from 'node:readline';
import autocannon from 'autocannon';
import { benchAgent } from './names';
import { postJson } from './popup-client';

const AGENTS = 1_000;
const DURATION_S = Number(process.env.BENCH_SECONDS ?? 10);
const CONNECTIONS = 50;
const RATE = 1_000;

export interface Server {
  child: ChildProcess;
  url: string;
  popupUrl: string;
}

export function start(kind: 'relay' | 'bare'): Promise<Server> {
  // The relay with the Node options `npm start` gives it (package.json); BENCH_NODE_FLAGS: others, to measure them.
  const flags = kind === 'relay' ? (process.env.BENCH_NODE_FLAGS ?? '--max-semi-space-size=4').split(' ').filter(Boolean) : [];
  const child = spawn(process.execPath, [...flags, '--import', 'tsx', 'bench/servers.ts', kind, String(AGENTS)], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    createInterface({ input: child.stdout }).once('line', (line) => resolve({ child, ...(JSON.parse(line) as Omit<Server, 'child'>) }));
    child.once('exit', (code) => reject(new Error(`${kind} server exited with ${code}`)));
  });
}

const ringing = (ivrid: string, agent: number) =>
  JSON.stringify({
    ivrid,
    extenUser: benchAgent(agent),
    phone: `9725${String(agent * 7).padStart(8, '0')}`,
    status: 'Ringing',
    direction: 'Incoming',
    callerName: 'Bench caller',
  });

export async function throughput(server: Server, label: string, connections = CONNECTIONS): Promise<autocannon.Result> {
  let n = 0;
  const result = await autocannon({
    url: server.popupUrl,
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    connections,
    duration: DURATION_S,
    requests: [
      {
        setupRequest: (req) => {
          n++;
          return { ...req, body: ringing(`${label}-${process.pid}-${n}`, n % AGENTS) };
        },
      },
    ],
  });
  if (result.non2xx > 0 || result.errors > 0) throw new Error(`${label}: ${result.non2xx} non-2xx, ${result.errors} errors`);
  return result;
}

/** CPU seconds (user + system) a process has used, from /proc (Linux; clock ticks of 1/100 s). */
function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/** Throughput, and the server's own CPU per request (which does not depend on who else runs). */
async function measured(server: Server, label: string): Promise<{ result: autocannon.Result; cpuUsPerRequest: number }> {
  const before = cpuSeconds(server.child.pid!);
  const result = await throughput(server, label);
  const used = cpuSeconds(server.child.pid!) - before;
  return { result, cpuUsPerRequest: (used * 1e6) / result.requests.total };
}

export function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

/** Starts the agents' process and waits until all of them are connected. */
export function startAgents(server: Server): Promise<ChildProcess> {
  const child = fork('bench/agents.ts', [server.url, String(AGENTS)], { execArgv: ['--import', 'tsx'] });
  return new Promise((resolve, reject) => {
    child.once('message', () => resolve(child));
    child.once('exit', (code) => reject(new Error(`agents exited with ${code}`)));
  });
}

export interface AgentsReport {
  latencies: number[];
  distinct: number;
  duplicated: number;
}

export function report(agents: ChildProcess): Promise<AgentsReport> {
  return new Promise((resolve) => {
    agents.once('message', (m: AgentsReport) => resolve(m));
    agents.send({ report: true });
  });
}

async function latencies(agents: ChildProcess): Promise<number[]> {
  return (await report(agents)).latencies;
}

/** Requests at a fixed overall rate (open loop), each stamped with its send time for the agents to time. */
export async function paced(server: Server, rate = RATE): Promise<{ p50: number; p99: number }> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 32 });
  const url = new URL(server.popupUrl);
  const total = rate * DURATION_S;
  const times: number[] = [];
  const started = performance.now();
  await new Promise<void>((resolve, reject) => {
    let sent = 0;
    let done = 0;
    const tick = () => {
      // Send what is due by now: a steady RATE per second whatever the timer's granularity.
      const due = Math.min(total, Math.floor(((performance.now() - started) * rate) / 1000));
      for (; sent < due; sent++) {
        const at = performance.now();
        const body = ringing(`lat-${sent}-${Math.round((performance.timeOrigin + at) * 1000)}`, sent % AGENTS);
        postJson(url, agent, body).then(() => {
          times.push(performance.now() - at);
          if (++done === total) resolve();
        }, reject);
      }
      if (sent < total) setTimeout(tick, 1);
    };
    tick();
  });
  agent.destroy();
  times.sort((a, b) => a - b);
  return { p50: percentile(times, 50), p99: percentile(times, 99) };
}

/** Rounds of bare, then relay, one after the other: the ratio is the median round's, so a slow spell of this shared VM weighs on both sides. */
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);

export async function relayBench(): Promise<Record<string, string | number>> {
  const bareServer = await start('bare');
  const relay = await start('relay');
  const agents = await startAgents(relay);
  const rounds: { bare: autocannon.Result; relay: autocannon.Result; bareCpu: number; relayCpu: number }[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    const b = await measured(bareServer, `bare${i}`);
    const r = await measured(relay, `relay${i}`);
    rounds.push({ bare: b.result, relay: r.result, bareCpu: b.cpuUsPerRequest, relayCpu: r.cpuUsPerRequest });
  }
  bareServer.child.kill();
  const pacedResult = await paced(relay);
  const delivered = await latencies(agents);
  agents.kill();
  relay.child.kill();
  if (delivered.length !== RATE * DURATION_S) throw new Error(`${delivered.length} of ${RATE * DURATION_S} deliveries arrived`);

  const ratios = rounds.map((r) => r.relay.requests.average / r.bare.requests.average);
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const ratio = median(ratios);
  const bareCpu = median(rounds.map((r) => r.bareCpu));
  const relayCpu = median(rounds.map((r) => r.relayCpu));
  const last = rounds.at(-1)!;
  return {
    'bare Express 5 req/s (mean, each round)': rounds.map((r) => Math.round(r.bare.requests.average)).join(' / '),
    'relay req/s (mean, each round), 1,000 agents connected': rounds.map((r) => Math.round(r.relay.requests.average)).join(' / '),
    'throughput ratio relay/bare, each round': ratios.map((r) => r.toFixed(2)).join(' / '),
    'throughput ratio relay/bare, median round (target ≥ 0.85)': ratio.toFixed(2),
    'server CPU per request, bare / relay µs (median round)': `${bareCpu.toFixed(0)} / ${relayCpu.toFixed(0)}`,
    'CPU-cost ratio bare/relay (capacity per core, independent of the load generator)': (bareCpu / relayCpu).toFixed(2),
    'relay HTTP latency p50 / p99 ms (last round)': `${last.relay.latency.p50} / ${last.relay.latency.p99}`,
    'bare HTTP latency p50 / p99 ms (last round)': `${last.bare.latency.p50} / ${last.bare.latency.p99}`,
    [`delivery request→agent at ${RATE}/s, p50 ms`]: percentile(delivered, 50).toFixed(2),
    [`delivery request→agent at ${RATE}/s, p99 ms (target < 5)`]: percentile(delivered, 99).toFixed(2),
    'deliveries measured': delivered.length,
    [`HTTP latency at ${RATE}/s p50 / p99 ms`]: `${pacedResult.p50.toFixed(2)} / ${pacedResult.p99.toFixed(2)}`,
    summary: `relay/bare ratio ${ratio.toFixed(2)}; delivery p50 ${percentile(delivered, 50).toFixed(2)} ms p99 ${percentile(delivered, 99).toFixed(2)} ms at ${RATE} req/s`,
  };
}
