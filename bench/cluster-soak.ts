/**
 * Soak of several relays (issue 12): two relays on the machine's PostgreSQL and Redis, 1,000 agents
 * spread over both (each moving to the other when its relay dies, and resuming), 100 calls per
 * second (a Ringing and a Hang-up each) sent to either relay as a load balancer would — to the
 * other when one does not answer — for SOAK_SECONDS (default 300); every minute one relay is
 * killed with SIGKILL and started again on its port. Counts lost and duplicated deliveries and
 * calls missing from the call log. `npm run bench -- cluster-soak`; not part of `npm test`.
 */
import { fork, type ChildProcess } from 'node:child_process';
import http from 'node:http';
import { createServer, type AddressInfo } from 'node:net';
import pg from 'pg';
import { freshPostgres, freshRedis } from '../relay/tests/services';
import { startCluster } from './cluster.bench';
import { benchAgent } from './names';
import type { Server } from './relay.bench';

const SECONDS = Number(process.env.SOAK_SECONDS ?? 300);
const CALLS_PER_SECOND = 100;
const AGENTS = 1_000;
const KILL_EVERY_MS = Number(process.env.SOAK_KILL_EVERY_S ?? 60) * 1000;

interface Counts {
  distinct: number;
  duplicated: number;
  resyncs: number;
  reconnects: number;
  open: number;
}

const freePort = () =>
  new Promise<number>((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as AddressInfo;
      s.close(() => resolve(port));
    });
  });

function counts(agents: ChildProcess): Promise<Counts> {
  return new Promise((resolve) => {
    agents.once('message', (m: Counts) => resolve(m));
    agents.send({ report: true });
  });
}

async function until(check: () => Promise<boolean>, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check()) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
}

/** Posts pop-up requests as a load balancer would: to the relay chosen, or to the other when it does not answer. */
function loadBalancer(ports: number[], path: string) {
  const pool = new http.Agent({ keepAlive: true, maxSockets: 64 });
  const counts = { failures: 0, moved: 0 };
  const once = (port: number, body: string) =>
    new Promise<boolean>((resolve) => {
      const req = http.request(
        { agent: pool, host: '127.0.0.1', port, path, method: 'POST', headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } },
        (res) => {
          res.resume();
          res.on('end', () => resolve(res.statusCode === 200));
        },
      );
      req.on('error', () => resolve(false));
      req.end(body);
    });
  return {
    get failures() {
      return counts.failures;
    },
    get moved() {
      return counts.moved;
    },
    post: async (body: string, first: number): Promise<void> => {
      for (let attempt = 0; attempt < 6; attempt++) {
        if (await once(ports[(first + attempt) % 2]!, body)) return;
        counts.moved++;
        await new Promise((r) => setTimeout(r, 100));
      }
      counts.failures++;
    },
    close: () => pool.destroy(),
  };
}

export async function clusterSoak(): Promise<Record<string, string | number>> {
  const database = await freshPostgres();
  const redis = await freshRedis();
  if (!database || !redis) throw new Error('the soak needs PostgreSQL and Redis on this machine');
  const env = { BENCH_DATABASE_URL: database.url, BENCH_REDIS_URL: redis.url, BENCH_REDIS_PREFIX: redis.prefix };
  const ports = [await freePort(), await freePort()];
  const relays: Server[] = [await startCluster({ ...env, BENCH_SEED: '1', BENCH_PORT: String(ports[0]) }), await startCluster({ ...env, BENCH_PORT: String(ports[1]) })];
  const token = new URL(relays[0]!.popupUrl).pathname;
  const agents = fork('bench/cluster-agents.ts', [relays.map((r) => r.url).join(','), String(AGENTS)], { execArgv: ['--import', 'tsx'] });
  await until(async () => (await counts(agents)).open === AGENTS, 60_000);

  const balancer = loadBalancer(ports, token);
  const post = balancer.post;

  let kills = 0;
  let restarting: Promise<void> = Promise.resolve();
  const killer = setInterval(() => {
    const i = kills++ % 2;
    relays[i]!.child.kill('SIGKILL');
    restarting = new Promise<void>((resolve) => setTimeout(resolve, 2_000))
      .then(() => startCluster({ ...env, BENCH_PORT: String(ports[i]) }))
      .then((r) => void (relays[i] = r));
  }, KILL_EVERY_MS);

  const total = SECONDS * CALLS_PER_SECOND;
  const started = performance.now();
  const inflight = new Set<Promise<void>>();
  for (let sent = 0; sent < total; ) {
    const due = Math.min(total, Math.floor(((performance.now() - started) * CALLS_PER_SECOND) / 1000));
    for (; sent < due; sent++) {
      const agent = benchAgent(sent % AGENTS);
      const ivrid = `soak-${sent}`;
      const call = post(JSON.stringify({ ivrid, extenUser: agent, phone: `9725${String(sent).padStart(8, '0')}`, status: 'Ringing' }), sent % 2).then(() =>
        post(JSON.stringify({ ivrid, extenUser: agent, status: 'Hangup', cause: 'Normal hangup' }), (sent + 1) % 2),
      );
      inflight.add(call);
      // post() counts its failures and never rejects; a call that still did stays in the set, for Promise.all below to throw.
      call.then(() => inflight.delete(call), () => undefined);
    }
    await new Promise((r) => setTimeout(r, 5));
  }
  await Promise.all(inflight);
  clearInterval(killer);
  // A relay killed last is back before the counting, and none is started after the end.
  await restarting;
  let result = await counts(agents);
  await until(async () => (result = await counts(agents)).distinct >= total * 2, 20_000);

  const client = new pg.Client({ connectionString: database.url });
  await client.connect();
  await until(async () => Number((await client.query("SELECT count(*) AS n FROM calls WHERE ivrid LIKE 'soak-%'")).rows[0].n) >= total, 20_000);
  const logged = Number((await client.query("SELECT count(*) AS n FROM calls WHERE ivrid LIKE 'soak-%'")).rows[0].n);
  const hungUp = Number((await client.query("SELECT count(DISTINCT ivrid) AS n FROM call_events WHERE ivrid LIKE 'soak-%' AND phase = 'hangup'")).rows[0].n);
  await client.end();

  agents.kill();
  for (const r of relays) r.child.kill('SIGKILL');
  balancer.close();
  await redis.drop();
  await database.drop();
  return {
    'duration, calls (each Ringing + Hang-up), relays killed': `${SECONDS} s, ${total.toLocaleString('en')}, ${kills}`,
    'requests that no relay took (after moving to the other)': balancer.failures,
    'requests moved to the other relay (one was down)': balancer.moved,
    'deliveries expected / processed (distinct call+state)': `${(total * 2).toLocaleString('en')} / ${result.distinct.toLocaleString('en')}`,
    'lost deliveries': total * 2 - result.distinct,
    'duplicated deliveries (a call+state processed twice)': result.duplicated,
    'agent reconnects / resyncs': `${result.reconnects} / ${result.resyncs}`,
    'calls in the log / with their hang-up': `${logged.toLocaleString('en')} / ${hungUp.toLocaleString('en')}`,
    'calls missing from the log': total - logged,
  };
}
