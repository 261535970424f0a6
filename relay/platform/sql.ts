import type Database from 'better-sqlite3';
import type pg from 'pg';
import { isLinkFailure, type PostgresLink } from './postgres-link';

/**
 * One way to speak to the relay's database, whichever engine holds it: the embedded SQLite file
 * (the default) or PostgreSQL (several relays). Queries are written once, with `?` placeholders,
 * in the SQL both engines read; where they differ, `engine` says which one is listening.
 * SQLite answers at once (its promises are already settled); PostgreSQL over the network.
 */
export interface Sql {
  readonly engine: 'sqlite' | 'postgres';
  all<T>(sql: string, params?: readonly unknown[]): Promise<T[]>;
  get<T>(sql: string, params?: readonly unknown[]): Promise<T | undefined>;
  /** Runs a statement; resolves to the number of rows it changed. */
  run(sql: string, params?: readonly unknown[]): Promise<number>;
  /** Runs `fn` in one transaction: all of it or none of it. */
  transaction<T>(fn: (tx: Sql) => Promise<T>): Promise<T>;
}

/**
 * `column` holding `text` anywhere, whatever the case of its Latin letters, on either engine
 * (PostgreSQL's ILIKE is SQLite's LIKE); a % or _ in the text matches only itself. The condition and its parameter.
 */
export function containsText(sql: Pick<Sql, 'engine'>, column: string, text: string): [condition: string, param: string] {
  const op = sql.engine === 'postgres' ? 'ILIKE' : 'LIKE';
  return [`${column} ${op} ? ESCAPE '\\'`, `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`];
}

/** A row broke a UNIQUE rule (the same in both engines' words). */
export class UniqueViolation extends Error {}

const isUnique = (err: unknown) => {
  const code = (err as { code?: unknown }).code;
  return code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY' || code === '23505';
};

const translated = (err: unknown): Error => (isUnique(err) ? new UniqueViolation((err as Error).message) : (err as Error));

/** A synchronous SQLite call as a settled promise, its error in the engines' common words. */
function settled<T>(f: () => T): Promise<T> {
  try {
    return Promise.resolve(f());
  } catch (err) {
    return Promise.reject(translated(err));
  }
}

/** `?` → `$1, $2, …` for PostgreSQL. The relay's queries never hold a `?` inside a string. */
const numbered = (sql: string) => {
  let n = 0;
  return sql.replace(/\?/g, () => `$${++n}`);
};

/**
 * The embedded engine. Statements are prepared once and kept. A transaction holds the one
 * connection: queries from elsewhere wait until it ends, so nothing slips into it between awaits.
 */
export class SqliteSql implements Sql {
  readonly engine = 'sqlite';
  private readonly statements = new Map<string, Database.Statement>();
  private busy: Promise<void> | null = null;

  constructor(readonly db: Database.Database) {}

  private statement(sql: string): Database.Statement {
    let s = this.statements.get(sql);
    if (!s) {
      s = this.db.prepare(sql);
      this.statements.set(sql, s);
    }
    return s;
  }

  all<T>(sql: string, params: readonly unknown[] = []): Promise<T[]> {
    if (this.busy) return this.busy.then(() => this.all(sql, params));
    return settled(() => this.statement(sql).all(...params) as T[]);
  }

  get<T>(sql: string, params: readonly unknown[] = []): Promise<T | undefined> {
    if (this.busy) return this.busy.then(() => this.get(sql, params));
    return settled(() => this.statement(sql).get(...params) as T | undefined);
  }

  run(sql: string, params: readonly unknown[] = []): Promise<number> {
    if (this.busy) return this.busy.then(() => this.run(sql, params));
    return settled(() => this.statement(sql).run(...params).changes);
  }

  async transaction<T>(fn: (tx: Sql) => Promise<T>): Promise<T> {
    while (this.busy) await this.busy;
    let done!: () => void;
    this.busy = new Promise((resolve) => (done = resolve));
    const inside = this.inside();
    try {
      this.db.exec('BEGIN IMMEDIATE');
      const result = await fn(inside);
      this.db.exec('COMMIT');
      return result;
    } catch (err) {
      if (this.db.inTransaction) this.db.exec('ROLLBACK');
      throw translated(err);
    } finally {
      this.busy = null;
      done();
    }
  }

  /** The same connection, for the transaction's own queries (they do not wait for themselves). */
  private inside(): Sql {
    return {
      engine: 'sqlite',
      all: <T>(sql: string, params: readonly unknown[] = []) => settled(() => this.statement(sql).all(...params) as T[]),
      get: <T>(sql: string, params: readonly unknown[] = []) => settled(() => this.statement(sql).get(...params) as T | undefined),
      run: (sql, params = []) => settled(() => this.statement(sql).run(...params).changes),
      transaction: (fn) => fn(this.inside()),
    };
  }
}

/**
 * PostgreSQL through the serving relay's link (every query bounded in time, refused at once while
 * the server is away); a transaction takes one client of the pool for its whole length.
 */
export class PostgresSql implements Sql {
  readonly engine = 'postgres';

  constructor(
    private readonly link: PostgresLink,
    private readonly client: pg.PoolClient | null = null,
  ) {}

  private query(sql: string, params: readonly unknown[]): Promise<pg.QueryResult> {
    const text = numbered(sql);
    return this.client ? this.link.bounded(this.client, text, params as unknown[]) : this.link.query(text, params as unknown[]);
  }

  async all<T>(sql: string, params: readonly unknown[] = []): Promise<T[]> {
    try {
      return (await this.query(sql, params)).rows as T[];
    } catch (err) {
      throw translated(err);
    }
  }

  async get<T>(sql: string, params: readonly unknown[] = []): Promise<T | undefined> {
    return (await this.all<T>(sql, params))[0];
  }

  async run(sql: string, params: readonly unknown[] = []): Promise<number> {
    try {
      return (await this.query(sql, params)).rowCount ?? 0;
    } catch (err) {
      throw translated(err);
    }
  }

  async transaction<T>(fn: (tx: Sql) => Promise<T>): Promise<T> {
    if (this.client) return fn(this);
    const client = await this.link.connect();
    // A connection lost mid-transaction is an error event on the client as well as a failed
    // query: without a listener it would end the process. The failed query says it.
    const lost = () => undefined;
    client.on('error', lost);
    let broken: unknown;
    try {
      await this.link.bounded(client, 'BEGIN');
      const result = await fn(new PostgresSql(this.link, client));
      await this.link.bounded(client, 'COMMIT');
      return result;
    } catch (err) {
      broken = err;
      // A connection that failed is dropped (the server rolls back what it had); else roll back, bounded too.
      if (!isLinkFailure(err)) await this.link.bounded(client, 'ROLLBACK').catch((failed: unknown) => (broken = failed));
      throw translated(err);
    } finally {
      client.off('error', lost);
      // A client whose query timed out may still be busy with it: it leaves the pool.
      client.release(broken !== undefined && isLinkFailure(broken) ? true : undefined);
    }
  }
}
