/**
 * Several relays on the machine's PostgreSQL and Redis (issue 12): throughput of two relays
 * against one (the same load spread over both), and the delivery time when every request reaches
 * relay A and every agent is connected to relay B, at 500 requests/s (goal: p99 < 20 ms).
 * A fresh database and key prefix, removed after.
 */
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { freshPostgres, freshRedis } from '../relay/tests/services';
import { paced, percentile, report, startAgents, throughput, type Server } from './relay.bench';

const CROSS_RATE = 500;

export function startCluster(env: Record<string, string>): Promise<Server> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'bench/servers.ts', 'cluster', '1000', '1000'], {
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, ...env },
  });
  return new Promise((resolve, reject) => {
    createInterface({ input: child.stdout }).once('line', (line) => resolve({ child, ...(JSON.parse(line) as Omit<Server, 'child'>) }));
    child.once('exit', (code) => reject(new Error(`cluster relay exited with ${code}`)));
  });
}

export async function clusterBench(): Promise<Record<string, string | number>> {
  const database = await freshPostgres();
  const redis = await freshRedis();
  if (!database || !redis) throw new Error('the cluster bench needs PostgreSQL and Redis on this machine');
  const env = { BENCH_DATABASE_URL: database.url, BENCH_REDIS_URL: redis.url, BENCH_REDIS_PREFIX: redis.prefix };
  const a = await startCluster({ ...env, BENCH_SEED: '1' });
  const b = await startCluster(env);
  try {
    const agents = await startAgents(b);
    const cross = await paced(a, CROSS_RATE);
    const delivered = (await report(agents)).latencies;
    agents.kill();
    const one = await throughput(a, 'one');
    const [onA, onB] = await Promise.all([throughput(a, 'two-a', 25), throughput(b, 'two-b', 25)]);
    const two = onA.requests.average + onB.requests.average;
    return {
      'one relay req/s (mean), 50 connections': Math.round(one.requests.average),
      'two relays req/s (mean), 25 connections each': Math.round(two),
      'throughput ratio two/one (same machine: 2 cores shared with the load generator, PostgreSQL, Redis)': (two / one.requests.average).toFixed(2),
      [`cross-relay delivery (request on A, agent on B) at ${CROSS_RATE}/s, p50 / p99 ms (goal p99 < 20)`]: `${percentile(delivered, 50).toFixed(2)} / ${percentile(delivered, 99).toFixed(2)}`,
      'cross-relay deliveries measured': delivered.length,
      [`HTTP latency on A at ${CROSS_RATE}/s p50 / p99 ms`]: `${cross.p50.toFixed(2)} / ${cross.p99.toFixed(2)}`,
    };
  } finally {
    a.child.kill();
    b.child.kill();
    await redis.drop();
    await database.drop();
  }
}
