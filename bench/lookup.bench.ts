/**
 * Caller lookup (issue 4): directory lookup with 1,000,000 contacts (target p99 < 1 ms); the chain
 * with a cache hit and a miss (a local CRM answering at once); and Voicenter's answer time when a
 * source hangs (the budget, 2.5 s by default, bounds it).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { parsePhone } from '../shared/phone';
import { openDatabase } from '../relay/platform/db';
import { SqliteSql } from '../relay/platform/sql';
import { Directory } from '../relay/lookup/directory';
import { LookupCache } from '../relay/lookup/cache';
import { LookupChain } from '../relay/lookup/chain';
import { DEFAULT_LOOKUP } from '../relay/lookup/config';
import { httpSource } from '../relay/lookup/sources';
import { startRelay } from '../relay/tests/helpers';
import { json, testServer } from '../relay/tests/crm-servers';

const CONTACTS = Number(process.env.BENCH_CONTACTS ?? 1_000_000);
const LOOKUPS = 100_000;

const pct = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
const number = (i: number) => `05${String(i).padStart(8, '0')}`;

async function directoryBench(): Promise<Record<string, string>> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-dir-'));
  const db = openDatabase(dir);
  const directory = new Directory(new SqliteSql(db), 'IL', 9);
  const seeding = performance.now();
  for (let start = 0; start < CONTACTS; start += 10_000) {
    const batch = [];
    for (let i = start; i < Math.min(CONTACTS, start + 10_000); i++) {
      batch.push({ id: `c${i}`, name: `Contact ${i}`, company: `Company ${i % 1000}`, url: '', phones: [number(i)] });
    }
    await directory.upsertAll(batch);
  }
  const seededS = (performance.now() - seeding) / 1000;
  const phones = Array.from({ length: LOOKUPS }, (_, k) =>
    // Nine in ten callers are known; one in ten is not.
    parsePhone(k % 10 === 0 ? `053${String(k).padStart(7, '0')}` : number(Math.floor(Math.random() * CONTACTS)), 'IL'),
  );
  const times: number[] = [];
  for (const p of phones) {
    const t = performance.now();
    // The embedded directory answers at once: no promise, nothing to wait for.
    void directory.lookup(p);
    times.push(performance.now() - t);
  }
  times.sort((a, b) => a - b);
  db.close();
  rmSync(dir, { recursive: true, force: true });
  return {
    [`directory seeded with ${CONTACTS.toLocaleString('en')} contacts in`]: `${seededS.toFixed(1)} s`,
    [`directory lookup p50 / p99 (target p99 < 1 ms), ${LOOKUPS.toLocaleString('en')} lookups`]: `${(pct(times, 50) * 1000).toFixed(1)} µs / ${(pct(times, 99) * 1000).toFixed(1)} µs`,
  };
}

async function chainBench(): Promise<Record<string, string>> {
  const crm = await testServer((_req, res) => json(res, { data: [{ id: 1, name: 'Dana', org: 'Acme' }] }));
  const dir = mkdtempSync(join(tmpdir(), 'bench-chain-'));
  const db = openDatabase(dir);
  const chain = new LookupChain({
    sources: [
      httpSource({
        name: 'crm', method: 'GET', url: `${crm.url}/contacts`, query: { phone: '{e164}' }, headers: {}, auth: { type: 'none' }, params: {},
        response: { items: '$.data[*]', name: '$.name', company: '$.org', id: '$.id' }, recordUrl: '', searchUrl: '',
        match: 'exact', suffixDigits: 9, timeoutMs: 2_000, maxBytes: 65536,
      }, 'IL'),
    ],
    cache: new LookupCache(new SqliteSql(db), DEFAULT_LOOKUP.cache),
    searchUrl: '',
    circuit: { failures: 5, cooldownMs: 30_000 },
    log: pino({ level: 'silent' }),
  });
  const time = async (n: number, phoneOf: (i: number) => string) => {
    const t: number[] = [];
    for (let i = 0; i < n; i++) {
      const p = parsePhone(phoneOf(i), 'IL');
      const s = performance.now();
      await chain.identify(p);
      t.push(performance.now() - s);
    }
    return t.sort((a, b) => a - b);
  };
  const miss = await time(2_000, (i) => number(i));
  const hit = await time(20_000, (i) => number(i % 2_000));
  await crm.close();
  db.close();
  rmSync(dir, { recursive: true, force: true });
  return {
    'chain, cache miss (local CRM answering at once) p50 / p99': `${pct(miss, 50).toFixed(2)} ms / ${pct(miss, 99).toFixed(2)} ms`,
    'chain, cache hit p50 / p99': `${(pct(hit, 50) * 1000).toFixed(1)} µs / ${(pct(hit, 99) * 1000).toFixed(1)} µs`,
  };
}

async function hangingBench(): Promise<Record<string, string>> {
  const crm = await testServer(() => undefined);
  const relay = await startRelay({}, {
    lookup: {
      ...DEFAULT_LOOKUP,
      sources: [
        { kind: 'directory', name: 'directory' },
        {
          kind: 'http', name: 'hanging', method: 'GET', url: `${crm.url}/contacts`, query: { phone: '{e164}' }, headers: {}, auth: { type: 'none' },
          params: {}, response: { name: '$.name' }, recordUrl: '', searchUrl: '', match: 'exact', suffixDigits: 9, timeoutMs: 10_000, maxBytes: 65536,
        },
      ],
    },
  });
  // Node's own HTTP client, one socket per call (fetch's first requests cost the client itself ~30 ms here).
  const agent = new http.Agent({ maxSockets: 50 });
  const url = new URL(relay.popupUrl);
  const send = (body: string) =>
    new Promise<number>((resolve, reject) => {
      const req = http.request({ agent, host: url.hostname, port: url.port, path: url.pathname, method: 'POST', headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } }, (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode!));
      });
      req.on('error', reject);
      req.end(body);
    });
  const times = await Promise.all(
    Array.from({ length: 50 }, async (_, i) => {
      const s = performance.now();
      const status = await send(JSON.stringify({ ivrid: `hang-${i}`, extenUser: 'KGpK4iWq', phone: number(i), status: 'Ringing' }));
      if (status !== 200) throw new Error(`status ${status}`);
      return performance.now() - s;
    }),
  );
  agent.destroy();
  times.sort((a, b) => a - b);
  await relay.stop();
  await crm.close();
  return {
    'Voicenter answer when a source hangs (budget 2,500 ms), 50 calls, p50 / max': `${pct(times, 50).toFixed(0)} ms / ${times.at(-1)!.toFixed(0)} ms`,
  };
}

export async function lookupBench(): Promise<Record<string, string>> {
  return { ...(await directoryBench()), ...(await chainBench()), ...(await hangingBench()) };
}
