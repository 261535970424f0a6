import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { runCommand } from '../cli/commands';
import { loadConfig } from '../platform/config';
import { openDatabase } from '../platform/db';
import { connectPostgres, migratePostgres, postgresVersion } from '../platform/postgres';
import { SCHEMA_VERSION, SchemaError } from '../platform/schema';
import { popup, signIn, startRelay } from './helpers';
import { freshPostgres } from './services';

const database = await freshPostgres();
afterAll(async () => {
  await database?.drop();
});

async function cli(args: string[], env: Record<string, string>) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCommand(args, { LOG_LEVEL: 'silent', ...env }, { out: (l) => out.push(l), err: (l) => err.push(l) });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

async function rows(url: string, sql: string): Promise<Record<string, unknown>[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(sql)).rows as Record<string, unknown>[];
  } finally {
    await client.end();
  }
}

describe('the settings for several relays', () => {
  it('need both RELAY_DATABASE_URL and RELAY_REDIS_URL, and say so naming both', () => {
    expect(() => loadConfig({ RELAY_DATABASE_URL: 'postgres://x@127.0.0.1/db' })).toThrow(/^RELAY_DATABASE_URL, RELAY_REDIS_URL: /);
    expect(() => loadConfig({ RELAY_REDIS_URL: 'redis://127.0.0.1:6379' })).toThrow(/^RELAY_DATABASE_URL, RELAY_REDIS_URL: /);
    expect(() => loadConfig({ RELAY_DATABASE_URL: 'mysql://x', RELAY_REDIS_URL: 'redis://127.0.0.1' })).toThrow(/RELAY_DATABASE_URL: must be a postgres:\/\/ URL/);
    expect(loadConfig({}).config.RELAY_DATABASE_URL).toBeUndefined();
  });
});

describe('the embedded database', () => {
  it('refuses a schema newer than the relay knows, naming the file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'newer-'));
    const db = openDatabase(dir);
    db.pragma('user_version = 99');
    db.close();
    expect(() => openDatabase(dir)).toThrow(SchemaError);
    expect(() => openDatabase(dir)).toThrow(/relay\.db has schema version 99, newer than this relay knows/);
  });
});

describe.skipIf(!database)('PostgreSQL (the machine\'s server, a fresh database)', () => {
  const url = database?.url ?? '';

  it('db migrate brings an empty database to the schema, once, even when two relays start at once', async () => {
    const pools = await Promise.all([connectPostgres(url), connectPostgres(url)]);
    try {
      const results = await Promise.all(pools.map((p) => migratePostgres(p)));
      expect(results.map((r) => r.to)).toEqual([SCHEMA_VERSION, SCHEMA_VERSION]);
      expect(results.map((r) => r.from).sort()).toEqual([0, SCHEMA_VERSION]);
      expect(await postgresVersion(pools[0])).toBe(SCHEMA_VERSION);
    } finally {
      await Promise.all(pools.map((p) => p.end()));
    }
    const again = await cli(['db', 'migrate'], { RELAY_DATABASE_URL: url, RELAY_REDIS_URL: 'redis://127.0.0.1:6379' });
    expect(again).toMatchObject({ code: 0, out: expect.stringMatching(/schema version \d+, nothing to do\.$/) as string });
  });

  it('db copy moves an embedded installation, with counts, and a second copy changes nothing', async () => {
    const relay = await startRelay();
    try {
      await relay.agents.add('A1', 'Dana', 'pw-one');
      await relay.agents.add('A2', 'Avi', 'pw-two');
      await signIn(relay, 'A1', 'pw-one');
      await relay.directory.upsert({ id: 'c-1', name: 'Nikita', company: 'Voicenter', url: '', phones: ['0722776772', '050-1234567'] });
      await popup(relay, { ivrid: 'copy-1', extenUser: 'A1', phone: '0722776772', status: 'Ringing' });
      await popup(relay, { ivrid: 'copy-1', extenUser: 'A1', status: 'Hangup', cause: 'x' });
      const env = { RELAY_DATA_DIR: relay.dataDir };
      const first = await cli(['db', 'copy', '--to', url], env);
      expect(first.code).toBe(0);
      expect(first.out).toMatch(/agents\s+2/);
      expect(first.out).toMatch(/call_events\s+2/);
      expect(first.out).toMatch(/contact_phones\s+2/);
      // The pop-up token, the signing key and the directory's version.
      expect(first.out).toMatch(/relay_settings\s+3/);
      const count = async () => rows(url, 'SELECT (SELECT count(*) FROM agents) AS agents, (SELECT count(*) FROM sessions) AS sessions, (SELECT count(*) FROM calls) AS calls, (SELECT count(*) FROM call_events) AS events, (SELECT count(*) FROM contacts) AS contacts');
      const before = await count();
      expect(before).toEqual([{ agents: '2', sessions: '1', calls: '1', events: '2', contacts: '1' }]);
      expect((await cli(['db', 'copy', '--to', url], env)).code).toBe(0);
      expect(await count()).toEqual(before);
      const hash = relay.db!.prepare("SELECT password_hash FROM agents WHERE exten_user = 'A1'").get() as { password_hash: string };
      expect(await rows(url, "SELECT password_hash FROM agents WHERE exten_user = 'A1'")).toEqual([hash]);
      expect(await rows(url, "SELECT value FROM relay_settings WHERE key = 'popup-token'")).toEqual([{ value: relay.token }]);
      // The extension-signing key too: the relays on PostgreSQL sign as the embedded one did (the same extension id).
      expect(await rows(url, "SELECT value FROM relay_settings WHERE key = 'extension-key'")).toEqual([{ value: readFileSync(join(relay.dataDir, 'extension-key.pem'), 'utf8') }]);
      // New rows made in PostgreSQL take ids after the copied ones.
      expect(await rows(url, "INSERT INTO agents (exten_user, password_hash, created_at) VALUES ('A3', 'x', 0) RETURNING id")).toEqual([{ id: '3' }]);
    } finally {
      await relay.stop();
    }
  });

  it('refuses a database with a newer schema, and one holding other tables, naming the setting', async () => {
    const pool = await connectPostgres(url);
    try {
      await pool.query('INSERT INTO relay_schema (version, applied_at) VALUES (99, 0)');
      await expect(migratePostgres(pool)).rejects.toThrow(/RELAY_DATABASE_URL\) has schema version 99, newer than this relay knows/);
      const cmd = await cli(['db', 'migrate'], { RELAY_DATABASE_URL: url, RELAY_REDIS_URL: 'redis://127.0.0.1:6379' });
      expect(cmd.code).toBe(2);
      expect(cmd.err).toMatch(/^Configuration error:\n.*newer than this relay knows/);
      await pool.query('DELETE FROM relay_schema WHERE version = 99');
    } finally {
      await pool.end();
    }
    const foreign = await freshPostgres();
    try {
      const other = await connectPostgres(foreign!.url);
      await other.query('CREATE TABLE invoices (id int)');
      await expect(migratePostgres(other)).rejects.toThrow(/RELAY_DATABASE_URL: the database holds tables that are not the relay's/);
      await other.end();
    } finally {
      await foreign!.drop();
    }
  });

  it('names the setting, never the password, when PostgreSQL cannot be reached', async () => {
    const cmd = await cli(['db', 'migrate'], { RELAY_DATABASE_URL: 'postgres://relay:s3cret-pw@127.0.0.1:1/relay', RELAY_REDIS_URL: 'redis://127.0.0.1:6379' });
    expect(cmd.code).toBe(2);
    expect(cmd.err).toMatch(/RELAY_DATABASE_URL: cannot reach PostgreSQL at postgres:\/\/relay:\*\*\*@127\.0\.0\.1:1\/relay/);
    expect(cmd.err).not.toContain('s3cret-pw');
  });

  it('runs every command on it as on the embedded file', async () => {
    const env = { RELAY_DATABASE_URL: url, RELAY_REDIS_URL: 'redis://127.0.0.1:6379' };
    const added = await cli(['agents', 'add', 'PG1', '--name', 'Dana Levi'], env);
    expect(added.code).toBe(0);
    expect(added.out).toMatch(/^Added agent PG1\.\nPassword: \S{8,}$/);
    expect((await cli(['agents', 'add', 'PG1'], env)).err).toBe('agent PG1 already exists');
    expect((await cli(['agents', 'list'], env)).out).toContain('PG1\tDana Levi\tenabled');
    expect((await cli(['agents', 'passwd', 'PG1', '--password', 'pg-secret'], env)).out).toBe('New password set for PG1; its sessions are ended.');
    expect((await cli(['admin', 'passwd', '--password', 'console-pw'], env)).code).toBe(0);
    const stored = await rows(url, "SELECT a.exten_user, (SELECT count(*) FROM admins WHERE username = 'admin') AS admins FROM agents a WHERE a.exten_user = 'PG1'");
    expect(stored).toEqual([{ exten_user: 'PG1', admins: '1' }]);
    expect((await cli(['agents', 'remove', 'PG1'], env)).code).toBe(0);
    expect(await rows(url, "SELECT 1 FROM agents WHERE exten_user = 'PG1'")).toEqual([]);
    // The directory, a lookup through it, and the cache.
    const csvDir = mkdtempSync(join(tmpdir(), 'pg-cli-'));
    writeFileSync(join(csvDir, 'contacts.csv'), 'id,name,company,phone\nc-9,אבי לוי,Globex,050-7654321\nc-10,No Number,Globex,\n');
    const imported = await cli(['contacts', 'import', 'contacts.csv'], { ...env, INIT_CWD: csvDir });
    expect(imported.code).toBe(1);
    expect(imported.out).toContain('Imported 1 new and 0 updated contacts.');
    expect((await cli(['contacts', 'import', 'contacts.csv'], { ...env, INIT_CWD: csvDir })).out).toContain('Imported 0 new and 1 updated contacts.');
    const looked = await cli(['lookup', '+972 50-765-4321'], env);
    expect(looked.code).toBe(0);
    expect(looked.out).toContain('"CLIENTNAME": "אבי לוי"');
    expect(looked.out).toMatch(/directory\s+matched/);
    await rows(url, "INSERT INTO lookup_cache (key, identity, stored_at, fresh_until, stale_until) VALUES ('+972500000000', '{}', 0, 0, 0)");
    expect((await cli(['cache', 'clear'], env)).out).toBe('Cleared 1 cached lookups.');
    expect(await rows(url, 'SELECT key FROM lookup_cache')).toEqual([]);
  });
});
