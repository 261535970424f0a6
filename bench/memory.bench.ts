/**
 * The relay's memory with 10,000 agents connected (issue 16): the compiled relay as `npm start`
 * runs it (esbuild, no tsx; started fresh on a data directory seeded by another process), its resident memory idle with every agent connected, then after two
 * minutes at 100 calls a second (each call rings an agent and hangs up). Targets: idle < 120 MB,
 * loaded < 160 MB. BENCH_MEMORY_SECONDS shortens the load.
 */
import { fork, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import autocannon from 'autocannon';
import { buildRelay } from '../relay/scripts/build-relay';
import { benchAgent } from './names';

const AGENTS = 10_000;
const CALLS_PER_SECOND = 100;
const LOAD_SECONDS = Number(process.env.BENCH_MEMORY_SECONDS ?? 120);
const COMPILED = 'dist/bench-memory/main.js';

/** Resident memory of a process, in MB (Linux /proc). */
function rssMb(pid: number): number {
  const kb = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
  return Number(kb) / 1024;
}

/** Waits until the relay's memory stops moving (GC settled), at most `ms`. */
async function settled(pid: number, ms = 15_000): Promise<number> {
  const deadline = Date.now() + ms;
  let last = rssMb(pid);
  for (;;) {
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    const now = rssMb(pid);
    if (Math.abs(now - last) < 0.5 || Date.now() > deadline) return now;
    last = now;
  }
}

/** Seeds the agents (with sessions) and 10,000 contacts in a data directory, in a process that then exits. */
function seed(dataDir: string): Promise<void> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'bench/servers.ts', 'seed', String(AGENTS), '10000'], { stdio: 'inherit', env: { ...process.env, BENCH_DATA_DIR: dataDir } });
  return new Promise((resolve, reject) => child.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`seeding exited with ${code}`)))));
}

/** The compiled relay on that data directory, started as `npm start` starts it. */
function startServer(dataDir: string): Promise<{ child: ChildProcess; popupUrl: string; url: string }> {
  const env = { ...process.env, RELAY_DATA_DIR: dataDir, HOST: '127.0.0.1', PORT: '0', LOG_LEVEL: 'warn', RELAY_MAX_CONNECTIONS: '1000000', RELAY_MAX_CONNECTIONS_PER_IP: '1000000' };
  // As npm start runs it (package.json: semi-spaces of 4 MB — 2 MB saved 4–8 MB more but cost 15 % of the
  // CPU per request, bench/RESULTS.md); BENCH_NODE_FLAGS to measure other Node options.
  const flags = (process.env.BENCH_NODE_FLAGS ?? '--max-semi-space-size=4').split(' ').filter(Boolean);
  const child = spawn(process.execPath, [...flags, '--enable-source-maps', COMPILED, 'start'], { stdio: ['ignore', 'pipe', 'inherit'], env });
  return new Promise((resolve, reject) => {
    createInterface({ input: child.stdout }).on('line', (line) => {
      const popupUrl = /Voicenter pop-up URL: (\S+)/.exec(line)?.[1];
      if (popupUrl) resolve({ child, popupUrl, url: new URL(popupUrl).origin });
    });
    child.once('exit', (code) => reject(new Error(`relay exited with ${code}`)));
  });
}

function startAgents(url: string): Promise<ChildProcess> {
  const child = fork('bench/agents.ts', [url, String(AGENTS)], { execArgv: ['--import', 'tsx'] });
  return new Promise((resolve, reject) => {
    child.once('message', () => resolve(child));
    child.once('exit', (code) => reject(new Error(`agents exited with ${code}`)));
  });
}

/** The V8 heap as the relay's /metrics tells it (prom-client's default metrics), in MB: where the resident memory goes. */
async function heap(url: string): Promise<string> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const mb = (name: string, space?: string) => {
    const line = text.split('\n').find((l) => l.startsWith(`screenpop_${name}`) && (!space || l.includes(`space="${space}"`)));
    return (Number(line?.split(' ').at(-1)) / 1_048_576).toFixed(0);
  };
  return `heap used ${mb('nodejs_heap_size_used_bytes')} of ${mb('nodejs_heap_size_total_bytes')} (old space ${mb('nodejs_heap_space_size_used_bytes', 'old')} of ${mb('nodejs_heap_space_size_total_bytes', 'old')}, new ${mb('nodejs_heap_space_size_total_bytes', 'new')}, code ${mb('nodejs_heap_space_size_total_bytes', 'code')}), external ${mb('nodejs_external_memory_bytes')}`;
}

export async function memoryBench(): Promise<Record<string, string | number>> {
  await buildRelay(COMPILED);
  const dataDir = mkdtempSync(join(tmpdir(), 'bench-memory-'));
  await seed(dataDir);
  const server = await startServer(dataDir);
  const agents = await startAgents(server.url);
  try {
    const idle = await settled(server.child.pid!);
    const idleHeap = await heap(server.url);
    let n = 0;
    // Each call: Ringing at one agent, then its hang-up (two requests), 100 calls a second.
    const result = await autocannon({
      url: server.popupUrl,
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      connections: 10,
      overallRate: CALLS_PER_SECOND * 2,
      duration: LOAD_SECONDS,
      requests: [
        {
          setupRequest: (req) => {
            const call = Math.floor(n / 2);
            const status = n++ % 2 === 0 ? 'Ringing' : 'Hangup';
            return { ...req, body: JSON.stringify({ ivrid: `mem-${process.pid}-${call}`, extenUser: benchAgent(call % AGENTS), phone: `9725${String(call % 100_000).padStart(8, '0')}`, status, direction: 'Incoming' }) };
          },
        },
      ],
    });
    if (result.non2xx > 0 || result.errors > 0) throw new Error(`${result.non2xx} non-2xx, ${result.errors} errors`);
    const loaded = await settled(server.child.pid!);
    const loadedHeap = await heap(server.url);
    return {
      'relay': `compiled (${COMPILED}), ${AGENTS} agents connected`,
      'idle RSS MB (target < 120)': idle.toFixed(0),
      [`RSS MB after ${LOAD_SECONDS} s at ${CALLS_PER_SECOND} calls/s (target < 160)`]: loaded.toFixed(0),
      'requests answered': result.requests.total,
      'idle, V8 MB': idleHeap,
      'loaded, V8 MB': loadedHeap,
      summary: `${AGENTS} agents: idle ${idle.toFixed(0)} MB, loaded ${loaded.toFixed(0)} MB`,
    };
  } finally {
    agents.kill();
    server.child.kill();
    rmSync('dist/bench-memory', { recursive: true, force: true });
    rmSync(dataDir, { recursive: true, force: true });
  }
}
