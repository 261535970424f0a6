/**
 * The servers the benchmarks measure, each run in a child process of its own so the load
 * generator does not share its event loop:
 *   relay  — the real relay, seeded with N agents (with sessions) and a directory
 *   bare   — a bare Express 5 JSON endpoint answering the same shape, the baseline
 *   cluster — one of several relays on PostgreSQL and Redis (see clusterRelay)
 *   seed   — only seeds a data directory (BENCH_DATA_DIR) as `relay` does, and exits: the relay
 *            is then started fresh, as `npm start` does (bench/memory.bench.ts)
 * Prints one JSON line {url, ...} on stdout once listening.
 */
import { mkdtempSync } from 'node:fs';
import { monitorEventLoopDelay, PerformanceObserver } from 'node:perf_hooks';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import express from 'express';
import { pino } from 'pino';
import { createRelay } from '../relay/app';
import { makeConfig } from '../relay/platform/config';
import { hashPassword, sha256 } from '../relay/accounts/secrets';
import { benchAgent, benchToken } from './names';


async function relay(agents: number, contacts: number, dataDir = mkdtempSync(join(tmpdir(), 'bench-relay-'))): Promise<Awaited<ReturnType<typeof createRelay>>> {
  // Every agent and the load generator share one address here (loopback): no per-address cap.
  const config = makeConfig({ HOST: '127.0.0.1', PORT: 0, RELAY_DATA_DIR: dataDir, RELAY_MAX_CONNECTIONS_PER_IP: 1_000_000, RELAY_MAX_CONNECTIONS: 1_000_000 });
  const r = await createRelay(config, { log: pino({ level: 'silent' }) });
  // Seeded directly: signing in a thousand agents through scrypt would take a minute.
  const hash = await hashPassword('bench');
  const now = Date.now();
  const db = r.db!;
  db.transaction(() => {
    const addAgent = db.prepare('INSERT INTO agents (exten_user, name, password_hash, created_at) VALUES (?, ?, ?, ?)');
    const addSession = db.prepare('INSERT INTO sessions (token_hash, agent_id, created_at, expires_at) VALUES (?, ?, ?, ?)');
    for (let i = 0; i < agents; i++) {
      const id = addAgent.run(benchAgent(i), `Agent ${i}`, hash, now).lastInsertRowid;
      addSession.run(sha256(benchToken(i)), id, now, now + 86_400_000);
    }
  })();
  await r.directory.upsertAll(
    Array.from({ length: contacts }, (_, i) => ({ id: `c${i}`, name: `Contact ${i}`, company: `Company ${i % 100}`, url: '', phones: [`05${String(i).padStart(8, '0')}`] })),
  );
  return r;
}

function listen(r: Awaited<ReturnType<typeof createRelay>>): void {
  r.server.listen(0, '127.0.0.1', () => {
    const { port } = r.server.address() as AddressInfo;
    console.log(JSON.stringify({ url: `http://127.0.0.1:${port}`, popupUrl: `http://127.0.0.1:${port}/voicenter/${r.token}` }));
  });
}

function bare(): void {
  const app = express();
  app.use(express.json({ limit: '64kb' }));
  app.post('/voicenter/:token', (_req, res) => {
    res.json({ STATUS: 'OK', URL: '', CLIENTNAME: 'Contact 1', TOTAL: 1, COMPANY: 'Company 1' });
  });
  const server = app.listen(0, '127.0.0.1', () => {
    const { port } = server.address() as AddressInfo;
    console.log(JSON.stringify({ url: `http://127.0.0.1:${port}`, popupUrl: `http://127.0.0.1:${port}/voicenter/x` }));
  });
}

/**
 * One of several relays on PostgreSQL and Redis (BENCH_DATABASE_URL, BENCH_REDIS_URL,
 * BENCH_REDIS_PREFIX); the first (BENCH_SEED=1) seeds the agents, their sessions and a directory.
 */
async function clusterRelay(agents: number, contacts: number): Promise<void> {
  const config = makeConfig({
    HOST: '127.0.0.1', PORT: Number(process.env.BENCH_PORT ?? 0), RELAY_DATA_DIR: mkdtempSync(join(tmpdir(), 'bench-cluster-')), RELAY_MAX_CONNECTIONS_PER_IP: 1_000_000,
    RELAY_DATABASE_URL: process.env.BENCH_DATABASE_URL, RELAY_REDIS_URL: process.env.BENCH_REDIS_URL, RELAY_REDIS_PREFIX: process.env.BENCH_REDIS_PREFIX,
  });
  const r = await createRelay(config, { log: pino({ level: 'silent' }) });
  if (process.env.BENCH_SEED === '1') {
    const hash = await hashPassword('bench');
    const now = Date.now();
    for (let i = 0; i < agents; i++) {
      const row = await r.sql.get<{ id: number }>('INSERT INTO agents (exten_user, name, password_hash, created_at) VALUES (?, ?, ?, ?) RETURNING id', [benchAgent(i), `Agent ${i}`, hash, now]);
      await r.sql.run('INSERT INTO sessions (token_hash, agent_id, created_at, expires_at) VALUES (?, ?, ?, ?)', [sha256(benchToken(i)), row!.id, now, now + 86_400_000]);
    }
    await r.directory.upsertAll(
      Array.from({ length: contacts }, (_, i) => ({ id: `c${i}`, name: `Contact ${i}`, company: `Company ${i % 100}`, url: '', phones: [`05${String(i).padStart(8, '0')}`] })),
    );
  }
  r.server.listen(config.PORT, '127.0.0.1', () => {
    const { port } = r.server.address() as AddressInfo;
    console.log(JSON.stringify({ url: `http://127.0.0.1:${port}`, popupUrl: `http://127.0.0.1:${port}/voicenter/${r.token}` }));
  });
}

const [kind, agents = '1000', contacts = '10000'] = process.argv.slice(2);
/** A server that cannot start says why and exits: the bench waiting for its address sees it end. */
const failed = (err: unknown) => {
  console.error(`bench server (${kind}) failed:`, err);
  process.exit(1);
};
if (kind === 'relay') relay(Number(agents), Number(contacts)).then(listen).catch(failed);
else if (kind === 'seed') relay(Number(agents), Number(contacts), process.env.BENCH_DATA_DIR).then((r) => r.close()).then(() => process.exit(0), failed);
else if (kind === 'cluster') clusterRelay(Number(agents), Number(contacts)).catch(failed);
else if (kind === 'bare') bare();
// A clean exit on SIGTERM, so `node --cpu-prof` can write its profile.
process.on('SIGTERM', () => process.exit(0));

// BENCH_EVENT_LOOP=1: print the server's event-loop delay every 2 s (to tell its stalls from the
// machine's: on 2 cores the load generator, the agents and the server take turns).
if (process.env.BENCH_EVENT_LOOP) {
  const delay = monitorEventLoopDelay({ resolution: 1 });
  delay.enable();
  setInterval(() => {
    const ms = (ns: number) => (ns / 1e6).toFixed(1);
    console.error(`event-loop delay p50 ${ms(delay.percentile(50))} p99 ${ms(delay.percentile(99))} max ${ms(delay.max)} ms`);
    delay.reset();
  }, 2_000).unref();
  // And every garbage collection that paused it for 2 ms or more.
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) if (e.duration >= 2) console.error(`gc ${(e as PerformanceEntry & { detail: { kind: number } }).detail.kind} ${e.duration.toFixed(1)} ms`);
  }).observe({ entryTypes: ['gc'] });
}
