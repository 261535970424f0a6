import type pg from 'pg';

/**
 * How long the serving relay lets one PostgreSQL query or connection take. Both stay well below
 * Voicenter's answer budget (2.5 s by default): a server that is gone, cut off without a reset
 * (a failover, a partition) or answering slowly costs a request at most this once, then nothing.
 */
export const POSTGRES_TIMEOUTS = { connectMs: 2_000, queryMs: 2_000, probeMs: 500 } as const;

/** What pg says of a query with no answer within its query_timeout. */
const QUERY_TIMEOUT = 'Query read timeout';

/** PostgreSQL is away: the query was not sent (the relay waits for its own probe to see it back). */
export class DatabaseAway extends Error {
  readonly code = 'DATABASE_AWAY';
}

export interface LinkStatus {
  up: boolean;
  /** When it went away (ms), while it is away. */
  since?: number;
  /** What was seen of it, in words without the URL or its password. */
  problem: string;
}

/**
 * A failure of the way to the server rather than an answer from it: no connection, a connection
 * lost, no answer in time, or the server shutting down. SQL errors (a broken rule, a syntax error)
 * are answers: the server is there.
 */
export function isLinkFailure(err: unknown): boolean {
  if (err instanceof DatabaseAway) return true;
  const code = (err as { code?: unknown } | null)?.code;
  // SQLSTATE class 08 (connection exception), 57P01–57P03 (shutting down, cannot connect now).
  if (typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code)) return code.startsWith('08') || /^57P0[1-3]$/.test(code);
  return true;
}

/**
 * The serving relay's way to PostgreSQL: every query and connection bounded in time, and once the
 * server is seen gone every request fails at once (DatabaseAway) instead of waiting on it, while a
 * probe of its own — never a request — finds it back. The CLI and migrations use the plain pool.
 */
export class PostgresLink {
  private awaySince: number | null = null;
  private problem = '';
  private probeTimer: NodeJS.Timeout | undefined;
  private closed = false;
  /** A query went unanswered: the probe asked whether the server does. */
  private suspected: Promise<void> | null = null;

  constructor(
    readonly pool: pg.Pool,
    private readonly timeouts: { connectMs: number; queryMs: number; probeMs: number } = POSTGRES_TIMEOUTS,
    private readonly onChange?: (status: LinkStatus) => void,
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * Whether an answer from it is in doubt now: away, or a query went unanswered and the probe has
   * not yet said whether the server does. Reads that have a copy of their own take it at once then.
   */
  doubtful(): boolean {
    return this.awaySince !== null || this.suspected !== null;
  }

  status(): LinkStatus {
    return this.awaySince === null ? { up: true, problem: '' } : { up: false, since: this.awaySince, problem: this.problem };
  }

  async query(text: string, values: unknown[]): Promise<pg.QueryResult> {
    this.refuseWhileAway();
    try {
      return await this.pool.query({ text, values, query_timeout: this.timeouts.queryMs } as pg.QueryConfig);
    } catch (err) {
      this.saw(err);
      throw err;
    }
  }

  /** A client for one transaction; its queries take the same time limit (see `bounded`). */
  async connect(): Promise<pg.PoolClient> {
    this.refuseWhileAway();
    try {
      return await this.pool.connect();
    } catch (err) {
      this.saw(err);
      throw err;
    }
  }

  /** One query of a transaction's client, bounded and watched like the pool's. */
  async bounded(client: pg.PoolClient, text: string, values: unknown[] = []): Promise<pg.QueryResult> {
    try {
      return await client.query({ text, values, query_timeout: this.timeouts.queryMs } as pg.QueryConfig);
    } catch (err) {
      this.saw(err);
      throw err;
    }
  }

  /**
   * Notes what a failed query says about the server. A connection refused, lost or not made in
   * time: away until the probe sees it back. One query without an answer in time may only be a
   * heavy one: the probe is asked at once, and the server is away if it gets no answer either.
   */
  saw(err: unknown): void {
    if (this.closed || err instanceof DatabaseAway || !isLinkFailure(err) || this.awaySince !== null) return;
    if ((err as Error).message === QUERY_TIMEOUT) {
      this.suspected ??= this.answers().then((answered) => {
        this.suspected = null;
        if (!answered && this.awaySince === null) this.away(err);
      });
      return;
    }
    this.away(err);
  }

  private away(err: unknown): void {
    this.awaySince = this.now();
    this.problem = this.describe(err);
    this.onChange?.(this.status());
    this.scheduleProbe();
  }

  async end(): Promise<void> {
    this.closed = true;
    clearTimeout(this.probeTimer);
    await this.pool.end();
  }

  private refuseWhileAway(): void {
    if (this.awaySince !== null) throw new DatabaseAway(`PostgreSQL is away since ${new Date(this.awaySince).toISOString()}: ${this.problem}`);
  }

  private scheduleProbe(): void {
    if (this.closed) return;
    // answers() never rejects, so only onChange can fail a probe, after the state is set: nothing
    // is lost but the owner's own notice. Should one fail otherwise, the probing goes on while away.
    this.probeTimer = setTimeout(() => {
      this.probe().catch(() => this.awaySince !== null && this.scheduleProbe());
    }, this.timeouts.probeMs);
    this.probeTimer.unref();
  }

  /** Whether the server answers `SELECT 1` in time now (the failure kept as the problem when not). */
  private async answers(): Promise<boolean> {
    try {
      await this.pool.query({ text: 'SELECT 1', query_timeout: this.timeouts.queryMs } as pg.QueryConfig);
      return true;
    } catch (err) {
      this.problem = this.describe(err);
      return false;
    }
  }

  private async probe(): Promise<void> {
    if (!(await this.answers())) return this.scheduleProbe();
    if (this.closed) return;
    this.awaySince = null;
    this.problem = '';
    this.onChange?.(this.status());
  }

  private describe(err: unknown): string {
    const e = err as { code?: unknown; message?: unknown };
    const message = typeof e.message === 'string' ? e.message : String(err);
    // pg's own words for its timeouts; the rest as the driver said it (no URL is in them).
    if (message === QUERY_TIMEOUT) return `no answer within ${this.timeouts.queryMs} ms`;
    if (/timeout exceeded when trying to connect|terminated due to connection timeout/i.test(message)) return `no connection within ${this.timeouts.connectMs} ms`;
    return typeof e.code === 'string' ? `${e.code}: ${message}` : message;
  }
}
