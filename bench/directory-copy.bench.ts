/**
 * A relay's own copy of the directory on PostgreSQL: how long copying it takes, how much memory it
 * holds, the longest the event loop is held meanwhile, and a lookup answered from it. A fresh
 * database with BENCH_CONTACTS contacts (default 100,000), two numbers each, removed after.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import pino from 'pino';
import { parsePhone } from '../shared/phone';
import { DirectoryCopy } from '../relay/lookup/directory-copy';
import { openStore } from '../relay/platform/store';
import { freshPostgres } from '../relay/tests/services';
import { percentile } from './relay.bench';

export async function directoryCopyBench(): Promise<Record<string, string | number>> {
  const contacts = Number(process.env.BENCH_CONTACTS ?? 100_000);
  const database = await freshPostgres();
  if (!database) throw new Error('the directory-copy bench needs PostgreSQL on this machine');
  const store = await openStore({ RELAY_DATA_DIR: '', RELAY_DATABASE_URL: database.url });
  try {
    // Filled by PostgreSQL itself: the bench measures the copy, not the import.
    await store.link!.pool.query(`INSERT INTO contacts (id, external_id, name, company, url, updated_at)
      SELECT i, 'ext-' || i, 'Contact Name ' || i, 'Company ' || (i % 1000) || ' Ltd', 'https://crm.example.com/contacts/' || i, 0 FROM generate_series(1, $1::int) i`, [contacts]);
    await store.link!.pool.query(`INSERT INTO contact_phones (contact_id, raw, e164, suffix)
      SELECT i, '050-' || lpad(i::text, 7, '0'), '+97250' || lpad(i::text, 7, '0'), '50' || lpad(i::text, 7, '0') FROM generate_series(1, $1::int) i
      UNION ALL SELECT i, '03-' || lpad(i::text, 7, '0'), '+9723' || lpad(i::text, 7, '0'), '3' || lpad(i::text, 7, '0') || 'x' FROM generate_series(1, $1::int) i`, [contacts]);
    const copy = new DirectoryCopy(store.sql, 'IL', 9, { log: pino({ level: 'silent' }) });
    global.gc?.();
    const rssBefore = process.memoryUsage().rss;
    const loop = monitorEventLoopDelay({ resolution: 1 });
    loop.enable();
    const started = performance.now();
    await copy.sync();
    const copyMs = performance.now() - started;
    loop.disable();
    global.gc?.();
    const rssAfter = process.memoryUsage().rss;
    const lookups: number[] = [];
    for (let i = 0; i < 2_000; i++) {
      const phone = parsePhone(`050${String(1 + ((i * 7919) % contacts)).padStart(7, '0')}`, 'IL');
      const t = performance.now();
      copy.lookup(phone);
      lookups.push(performance.now() - t);
    }
    copy.close();
    lookups.sort((a, b) => a - b);
    return {
      contacts,
      'copy (ms)': Math.round(copyMs),
      'event loop held at most (ms)': (loop.max / 1e6).toFixed(1),
      'resident memory added (MB)': ((rssAfter - rssBefore) / 1e6).toFixed(1),
      'lookup from the copy p50 / p99 (ms)': `${percentile(lookups, 50).toFixed(3)} / ${percentile(lookups, 99).toFixed(3)}`,
    };
  } finally {
    await store.close();
    await database.drop();
  }
}
