import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';

export type DB = Database.Database;

/** Each entry moves the schema one version up; never edit a released one, add the next. */
const MIGRATIONS: string[] = [
  `
  CREATE TABLE contacts (
    id INTEGER PRIMARY KEY,
    external_id TEXT UNIQUE,
    name TEXT NOT NULL,
    company TEXT NOT NULL DEFAULT '',
    url TEXT NOT NULL DEFAULT '',
    updated_at INTEGER NOT NULL
  );
  CREATE TABLE contact_phones (
    contact_id INTEGER NOT NULL REFERENCES contacts(id) ON DELETE CASCADE,
    raw TEXT NOT NULL,
    e164 TEXT,
    suffix TEXT NOT NULL,
    PRIMARY KEY (contact_id, suffix)
  ) WITHOUT ROWID;
  CREATE INDEX contact_phones_by_suffix ON contact_phones(suffix);

  CREATE TABLE agents (
    id INTEGER PRIMARY KEY,
    exten_user TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL DEFAULT '',
    password_hash TEXT NOT NULL,
    enabled INTEGER NOT NULL DEFAULT 1,
    -- Unused since sign-in throttling moved to memory (relay/accounts/sign-in-throttle.ts); kept so old databases need no migration.
    failed_attempts INTEGER NOT NULL DEFAULT 0,
    locked_until INTEGER NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL
  );
  CREATE TABLE sessions (
    token_hash TEXT PRIMARY KEY,
    agent_id INTEGER NOT NULL REFERENCES agents(id) ON DELETE CASCADE,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    revoked_at INTEGER
  ) WITHOUT ROWID;
  CREATE INDEX sessions_by_agent ON sessions(agent_id);

  CREATE TABLE calls (
    ivrid TEXT PRIMARY KEY,
    direction TEXT NOT NULL,
    phone_raw TEXT NOT NULL,
    e164 TEXT,
    phone_local TEXT NOT NULL DEFAULT '',
    caller_name TEXT NOT NULL,
    did TEXT NOT NULL,
    started_at INTEGER NOT NULL,
    answered_at INTEGER,
    answered_by TEXT,
    ended_at INTEGER,
    cause TEXT NOT NULL DEFAULT '',
    identity TEXT,
    updated_at INTEGER NOT NULL
  );
  CREATE INDEX calls_by_start ON calls(started_at);
  CREATE TABLE call_events (
    id INTEGER PRIMARY KEY,
    ivrid TEXT NOT NULL REFERENCES calls(ivrid) ON DELETE CASCADE,
    exten_user TEXT NOT NULL,
    phase TEXT NOT NULL,
    status TEXT NOT NULL,
    cause TEXT NOT NULL,
    format TEXT NOT NULL,
    received_at INTEGER NOT NULL
  );
  CREATE INDEX call_events_by_call ON call_events(ivrid, exten_user);
  `,
  `
  CREATE TABLE lookup_cache (
    key TEXT PRIMARY KEY,
    identity TEXT NOT NULL,
    stored_at INTEGER NOT NULL,
    fresh_until INTEGER NOT NULL,
    stale_until INTEGER NOT NULL
  ) WITHOUT ROWID;
  CREATE INDEX lookup_cache_by_age ON lookup_cache(stored_at);
  CREATE INDEX call_events_by_station ON call_events(exten_user, received_at);
  `,
  `
  CREATE TABLE admins (
    id INTEGER PRIMARY KEY,
    username TEXT NOT NULL UNIQUE,
    password_hash TEXT NOT NULL,
    -- Unused since sign-in throttling moved to memory (relay/accounts/sign-in-throttle.ts); kept so old databases need no migration.
    failed_attempts INTEGER NOT NULL DEFAULT 0,
    locked_until INTEGER NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL
  );
  CREATE TABLE admin_sessions (
    token_hash TEXT PRIMARY KEY,
    admin_id INTEGER NOT NULL REFERENCES admins(id) ON DELETE CASCADE,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
  ) WITHOUT ROWID;
  CREATE INDEX calls_by_number ON calls(e164);
  `,
];

/** Opens (and creates or upgrades) the relay's database in `dataDir`. */
export function openDatabase(dataDir: string): DB {
  mkdirSync(dataDir, { recursive: true });
  const db = new Database(join(dataDir, 'relay.db'));
  db.pragma('journal_mode = WAL');
  // NORMAL in WAL mode loses at most the last transactions on power loss, never consistency.
  db.pragma('synchronous = NORMAL');
  db.pragma('foreign_keys = ON');
  // The CLI writes while the relay runs: wait for the other writer instead of failing.
  db.pragma('busy_timeout = 5000');
  const version = db.pragma('user_version', { simple: true }) as number;
  for (let v = version; v < MIGRATIONS.length; v++) {
    db.transaction(() => {
      db.exec(MIGRATIONS[v]!);
      db.pragma(`user_version = ${v + 1}`);
    })();
  }
  return db;
}
