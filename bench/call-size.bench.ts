/**
 * One call flooded with stations while normal calls go on (`npm run bench -- call-size`).
 *
 * The flood: Voicenter-shaped requests for one ivrid, each naming another extension user (2,500,
 * then on, as fast as 20 connections get answers), then answers and holds for the stations the call
 * took, until the call is past its events too. Beside it, normal calls at NORMAL_RATE per second
 * (a ringing and its hang-up at 200 connected agents), a /healthz poll, and one console Live viewer.
 * Target: the normal calls' answer p99 under 100 ms during the flood.
 *
 * Processes: the relay (this file with `serve`), the agents (bench/agents.ts), and this one as
 * Voicenter, the poll and the viewer.
 */
import { fork, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { pino } from 'pino';
import { createRelay } from '../relay/app';
import { hashPassword, sha256 } from '../relay/accounts/secrets';
import { CALL_LIMITS } from '../relay/calls/call-state';
import { SqliteCallLog } from '../relay/calls/call-log-store';
import { CallTracker } from '../relay/calls/call-tracker';
import { makeConfig } from '../relay/platform/config';
import { openDatabase } from '../relay/platform/db';
import { parseCallEvent } from '../shared/call-event';
import { CONSOLE_HEADER } from '../shared/console';
import { parsePhone } from '../shared/phone';
import { benchAgent, benchPhone, benchToken } from './names';
import { postJson } from './popup-client';

const AGENTS = 200;
const FLOOD_STATIONS = 2_500;
const FLOOD_CONNECTIONS = 20;
/** Requests of the flood at most (the loop is bounded in count as in time). */
const FLOOD_MAX = 200_000;
const NORMAL_RATE = 20;
const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const ADMIN_PASSWORD = 'bench-admin-password';

interface Server {
  child: ChildProcess;
  url: string;
  popupUrl: string;
}

/** The relay, seeded with AGENTS agents with sessions and a console administrator. */
async function serve(): Promise<void> {
  const config = makeConfig({ HOST: '127.0.0.1', PORT: 0, RELAY_DATA_DIR: mkdtempSync(join(tmpdir(), 'bench-call-size-')), RELAY_MAX_CONNECTIONS_PER_IP: 1_000_000 });
  const r = await createRelay(config, { log: pino({ level: 'silent' }) });
  const hash = await hashPassword('bench');
  const now = Date.now();
  const db = r.db!;
  db.transaction(() => {
    const addAgent = db.prepare('INSERT INTO agents (exten_user, name, password_hash, created_at) VALUES (?, ?, ?, ?)');
    const addSession = db.prepare('INSERT INTO sessions (token_hash, agent_id, created_at, expires_at) VALUES (?, ?, ?, ?)');
    for (let i = 0; i < AGENTS; i++) addSession.run(sha256(benchToken(i)), addAgent.run(benchAgent(i), `Agent ${i}`, hash, now).lastInsertRowid, now, now + 86_400_000);
  })();
  await r.admins.setPassword('admin', ADMIN_PASSWORD);
  r.server.listen(0, '127.0.0.1', () => {
    const { port } = r.server.address() as AddressInfo;
    console.log(JSON.stringify({ url: `http://127.0.0.1:${port}`, popupUrl: `http://127.0.0.1:${port}/voicenter/${r.token}` }));
  });
  process.on('SIGTERM', () => process.exit(0));
}

function start(): Promise<Server> {
  // The Node options `npm start` gives the relay (package.json); BENCH_NODE_FLAGS: others (--cpu-prof, say).
  const flags = (process.env.BENCH_NODE_FLAGS ?? '--max-semi-space-size=4').split(' ').filter(Boolean);
  const child = spawn(process.execPath, [...flags, '--import', 'tsx', 'bench/call-size.bench.ts', 'serve'], { stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    createInterface({ input: child.stdout }).once('line', (line) => resolve({ child, ...(JSON.parse(line) as Omit<Server, 'child'>) }));
    child.once('exit', (code) => reject(new Error(`relay exited with ${code}`)));
  });
}

function startAgents(server: Server): Promise<ChildProcess> {
  const child = fork('bench/agents.ts', [server.url, String(AGENTS)], { execArgv: ['--import', 'tsx'] });
  return new Promise((resolve, reject) => {
    child.once('message', () => resolve(child));
    child.once('exit', (code) => reject(new Error(`agents exited with ${code}`)));
  });
}

/** CPU seconds (user + system) a process has used, from /proc (Linux; clock ticks of 1/100 s). */
function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/** The relay's own work for one more station (CallTracker.record, in this process): ms per request (the median) at the call's first 100 stations and its last 100. */
async function stationCost(): Promise<{ first: number; last: number }> {
  const tracker = new CallTracker(new SqliteCallLog(openDatabase(mkdtempSync(join(tmpdir(), 'bench-station-cost-')))));
  const phone = parsePhone('0501234567', 'IL');
  const took: number[] = [];
  for (let i = 0; i < CALL_LIMITS.stations; i++) {
    const parsed = parseCallEvent({ ivrid: 'cost', extenUser: `s-${i}`, phone: '0501234567', status: 'Ringing' });
    if (!parsed.ok) throw new Error(parsed.error);
    const at = performance.now();
    await tracker.record(parsed.event, phone, 'json');
    took.push(performance.now() - at);
  }
  const median = (xs: number[]) => xs.sort((a, b) => a - b)[xs.length >> 1]!;
  return { first: median(took.slice(0, 100)), last: median(took.slice(-100)) };
}

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
const ms = (x: number) => x.toFixed(1);

/** A console Live viewer reading the stream; counts the bytes it gets. */
async function liveViewer(server: Server): Promise<{ bytes: () => number; close: () => void }> {
  const signIn = await fetch(`${server.url}/console/api/session`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', [CONSOLE_HEADER]: '1' },
    body: JSON.stringify({ username: 'admin', password: ADMIN_PASSWORD }),
  });
  const cookie = signIn.headers.get('set-cookie')!.split(';')[0]!;
  const controller = new AbortController();
  const res = await fetch(`${server.url}/console/api/floor/events`, { headers: { cookie }, signal: controller.signal });
  let bytes = 0;
  // (Read until closed: the abort ends the stream with an error, which is the end here.)
  res.body!.pipeTo(new WritableStream({ write: (chunk: Uint8Array) => void (bytes += chunk.byteLength) })).catch(() => undefined);
  return { bytes: () => bytes, close: () => controller.abort() };
}

/** Normal calls at NORMAL_RATE/s for `seconds`: each a ringing then its hang-up; the answer times (ms) of both. */
async function normalCalls(url: URL, tag: string, seconds: number): Promise<number[]> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 16 });
  const times: number[] = [];
  const total = NORMAL_RATE * seconds;
  const started = performance.now();
  const calls: Promise<void>[] = [];
  for (let n = 0; n < total; n++) {
    const due = started + (n * 1000) / NORMAL_RATE;
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, due - performance.now())));
    const fields = { ivrid: `lat-${tag}${n}-${Math.round((performance.timeOrigin + performance.now()) * 1000)}`, extenUser: benchAgent(n % AGENTS), phone: benchPhone(n), direction: 'Incoming' };
    calls.push(
      (async () => {
        for (const status of ['Ringing', 'Hangup']) {
          const at = performance.now();
          const code = await postJson(url, agent, JSON.stringify({ ...fields, status }));
          if (code !== 200) throw new Error(`a normal call was answered ${code}`);
          times.push(performance.now() - at);
        }
      })(),
    );
  }
  await Promise.all(calls);
  agent.destroy();
  return times.sort((a, b) => a - b);
}

/** /healthz every 50 ms until `stop`; its answer times (ms). */
async function pollHealth(server: Server, stop: { done: boolean }): Promise<number[]> {
  const times: number[] = [];
  while (!stop.done) {
    const at = performance.now();
    await fetch(`${server.url}/healthz`).then((r) => r.text());
    times.push(performance.now() - at);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return times.sort((a, b) => a - b);
}

/** The flood: one ivrid, a new extension user each request, then talking/hold at the stations it took, until `stop`. */
async function flood(url: URL, stop: { done: boolean }): Promise<{ times: number[]; statuses: Map<number, number>; admittedMs: number[] }> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: FLOOD_CONNECTIONS });
  const times: number[] = [];
  const statuses = new Map<number, number>();
  /** The answer time of each station the call took, in order (the cost of one more station as the call grows). */
  const admittedMs: number[] = [];
  let n = 0;
  // Past the first FLOOD_STATIONS: every other request another new station, the rest the stations
  // taken going talking and on hold in turn (each station's phase changes every 800 requests).
  const body = (i: number) => {
    if (i < FLOOD_STATIONS || i % 2 === 0) return { ivrid: 'flood', extenUser: `flood-${i}`, phone: '0501234567', status: 'Ringing', direction: 'Incoming' };
    return { ivrid: 'flood', extenUser: `flood-${Math.floor(i / 2) % 400}`, phone: '0501234567', status: Math.floor(i / 800) % 2 ? 'Hold' : 'Talking', direction: 'Incoming' };
  };
  await Promise.all(
    Array.from({ length: FLOOD_CONNECTIONS }, async () => {
      while (!stop.done && n < FLOOD_MAX) {
        const i = n++;
        const at = performance.now();
        const status = await postJson(url, agent, JSON.stringify(body(i)));
        const took = performance.now() - at;
        times.push(took);
        statuses.set(status, (statuses.get(status) ?? 0) + 1);
        if (status === 200 && i < FLOOD_STATIONS) admittedMs.push(took);
      }
    }),
  );
  agent.destroy();
  return { times: times.sort((a, b) => a - b), statuses, admittedMs };
}

/** The whole bench takes a minute or so: past this it says where it stopped and ends, its processes with it. */
const WATCHDOG_MS = (4 * SECONDS + 120) * 1000;

export async function callSizeBench(): Promise<Record<string, string | number>> {
  let stage = 'starting the relay';
  const children: ChildProcess[] = [];
  const watchdog = setTimeout(() => {
    console.error(`call-size bench: still ${stage} after ${WATCHDOG_MS / 1000} s: stopped`);
    for (const child of children) child.kill();
    process.exit(1);
  }, WATCHDOG_MS);
  const server = await start();
  children.push(server.child);
  stage = 'connecting the agents';
  const agents = await startAgents(server);
  children.push(agents);
  const url = new URL(server.popupUrl);
  try {
    // Without the flood first: the same normal calls, the same poll.
    stage = 'running normal calls without the flood';
    const calm = { done: false };
    const calmHealth = pollHealth(server, calm);
    const calmTimes = await normalCalls(url, 'calm', SECONDS);
    calm.done = true;
    const calmHealthTimes = await calmHealth;

    stage = 'opening the Live view';
    const viewer = await liveViewer(server);
    stage = 'running normal calls beside the flood';
    const cpuBefore = cpuSeconds(server.child.pid!);
    const stop = { done: false };
    const health = pollHealth(server, stop);
    const flooding = flood(url, stop);
    const normalTimes = await normalCalls(url, 'flood', SECONDS);
    stop.done = true;
    const [healthTimes, flooded] = await Promise.all([health, flooding]);
    const cpu = cpuSeconds(server.child.pid!) - cpuBefore;
    const viewerBytes = viewer.bytes();
    viewer.close();

    stage = 'timing one more station in this process';
    const cost = await stationCost();
    const late = normalTimes.filter((t) => t > 3_000).length;
    const admitted = flooded.admittedMs;
    const lastHundred = admitted.slice(-100).sort((a, b) => a - b);
    const firstHundred = admitted.slice(0, 100).sort((a, b) => a - b);
    const p99 = percentile(normalTimes, 99);
    return {
      'normal calls without the flood: answer p50 / p99 / max ms': `${ms(percentile(calmTimes, 50))} / ${ms(percentile(calmTimes, 99))} / ${ms(calmTimes.at(-1)!)} (${calmTimes.length} answers)`,
      '/healthz without the flood: p50 / p99 ms': `${ms(percentile(calmHealthTimes, 50))} / ${ms(percentile(calmHealthTimes, 99))}`,
      'normal calls during the flood: answer p50 / p99 / max ms (target p99 < 100)': `${ms(percentile(normalTimes, 50))} / ${ms(p99)} / ${ms(normalTimes.at(-1)!)} (${normalTimes.length} answers, ${late} after 3 s)`,
      '/healthz during the flood: p50 / p99 ms': `${ms(percentile(healthTimes, 50))} / ${ms(percentile(healthTimes, 99))}`,
      'flood requests: count, by status': `${flooded.times.length}: ${[...flooded.statuses].map(([s, c]) => `${c} × ${s}`).join(', ')}`,
      'flood requests: answer p50 / p99 ms': `${ms(percentile(flooded.times, 50))} / ${ms(percentile(flooded.times, 99))}`,
      'stations taken: answer p50 of the first 100 / the last 100 ms': `${ms(percentile(firstHundred, 50))} / ${ms(percentile(lastHundred, 50))} (${admitted.length} taken)`,
      [`one more station, the call's own work (CallTracker.record), median ms at stations 1–100 / ${CALL_LIMITS.stations - 99}–${CALL_LIMITS.stations}`]: `${cost.first.toFixed(3)} / ${cost.last.toFixed(3)}`,
      'relay CPU per request during the flood, µs': ((cpu * 1e6) / (flooded.times.length + normalTimes.length)).toFixed(0),
      'Live stream bytes to one viewer during the flood': viewerBytes,
      summary: `call-size: normal answer p99 ${ms(p99)} ms during a ${flooded.times.length}-request one-call flood (target < 100); /healthz p99 ${ms(percentile(healthTimes, 99))} ms; Live viewer ${Math.round(viewerBytes / 1024)} KB`,
    };
  } finally {
    clearTimeout(watchdog);
    agents.kill();
    server.child.kill();
  }
}

if (process.argv[2] === 'serve') await serve();
