import type { Readable } from 'node:stream';
import { z } from 'zod';
import type { AgentsImportPreview, AgentsSync } from '../../shared/console';
import { csvRecords } from '../platform/csv-records';
import { agentNameSchema, extenUserSchema, passwordSchema, type Agents } from './agents';
import { hashPassword, newPassword } from './secrets';

/** One row: the same rules as `agents add` and the console's Agents page. */
const rowSchema = z.object({
  extenuser: z.string().trim().pipe(extenUserSchema),
  name: agentNameSchema.default(''),
});
/** A row's password, read once its agent is known to be new: an existing agent's row is refused as such, whatever it holds. */
const rowPasswordSchema = z.string().default('').pipe(z.union([z.literal(''), passwordSchema]));

/**
 * Scrypt derivations at once. Each holds one of libuv's four threads (and 16 MB) until it ends:
 * two leave threads for sign-ins and files (none runs on the event loop). A hash takes 15-40 ms
 * of a core, so the AGENTS_PER_REQUEST (500) agents a console request may add take 5-20 s,
 * within a proxy's timeout (often 60 s). The CLI has no such limit.
 */
const HASHING_AT_ONCE = 2;

/** A file with more agents to add than one request adds: nothing was added. */
export class TooManyAgentsError extends Error {
  constructor(
    readonly count: number,
    readonly max: number,
  ) {
    super(`the file has ${count} agents to add; at most ${max} are added at a time: split it into files of ${max} or fewer`);
  }
}

/**
 * What a bulk add answers, and how to take it back. Generated passwords are in the answer and
 * nowhere else: when the answer reaches nobody, the agents are withdrawn (unless changed since),
 * rather than left with passwords nobody has.
 */
export interface Added<T> {
  answer: T;
  /** Resolves to how many agents it removed. */
  withdraw: () => Promise<number>;
}

interface Row {
  line: number;
  extenUser: string;
  name: string;
  /** '' when the relay makes one up. */
  password: string;
}

type Bad = AgentsImportPreview['bad'];
type Records = AsyncIterable<{ record: Record<string, string>; line: number }> | Iterable<{ record: Record<string, string>; line: number }>;

interface AddOptions {
  dryRun?: boolean;
  /** The answer can no longer be delivered: stop (rejects with the signal's reason), add nothing. */
  signal?: AbortSignal;
}

/**
 * Adds agents from a CSV file or stream (`extenUser`, `name`, optional `password`; a header
 * row). Bad rows — and extension users that exist already, whose passwords are never touched —
 * are reported by line; the good ones are added, all in one transaction. `dryRun`: reads and
 * reports only. More than `max` agents to add: a TooManyAgentsError, nothing added.
 */
export async function importAgents(input: string | Readable, agents: Agents, { max = Infinity, ...options }: AddOptions & { max?: number } = {}): Promise<Added<AgentsImportPreview>> {
  const bad: Bad = [];
  const rows = await readRows(csvRecords(input, ['extenuser'], (line, reason) => bad.push({ line, reason })), agents, bad);
  if (rows.length > max) throw new TooManyAgentsError(rows.length, max);
  return addRows(rows, bad, agents, options);
}

/**
 * The account's extensions (Voicenter's extension list, read by the caller) made agents: those not
 * agents yet are added with their names and generated passwords, at most `max` of them (`later`:
 * the rest, for the next sync); existing agents are never touched. Rows are numbered as the lines
 * of a CSV of those to add (the first is line 2), as `importAgents` does.
 */
export async function syncAgents(
  extensions: { extenUser: string; name: string }[],
  agents: Agents,
  { max = Infinity, ...options }: AddOptions & { max?: number } = {},
): Promise<Added<AgentsSync>> {
  const known = new Set((await agents.list()).map((a) => a.extenUser));
  const missing = extensions.filter((e) => !known.has(e.extenUser));
  const bad: Bad = [];
  const rows = await readRows(missing.map((e, index) => ({ record: { extenuser: e.extenUser, name: e.name }, line: index + 2 })), agents, bad);
  const { answer: report, withdraw } = await addRows(rows.slice(0, max), bad, agents, options);
  return { answer: { listed: extensions.length, existing: extensions.length - missing.length, missing, later: Math.max(0, rows.length - max), report }, withdraw };
}

/** The rows that would add an agent; the others go to `bad`, by line. */
async function readRows(records: Records, agents: Agents, bad: Bad): Promise<Row[]> {
  const rows: Row[] = [];
  const seen = new Set((await agents.list()).map((a) => a.extenUser));
  for await (const { record, line } of records) {
    const row = rowSchema.safeParse(record);
    if (!row.success) {
      bad.push({ line, reason: row.error.issues[0]!.message });
      continue;
    }
    const { extenuser: extenUser, name } = row.data;
    if (seen.has(extenUser)) {
      bad.push({ line, reason: `agent ${extenUser} already exists (its password is left as it is)` });
      continue;
    }
    const given = rowPasswordSchema.safeParse(record.password);
    if (!given.success) {
      bad.push({ line, reason: given.error.issues[0]!.message });
      continue;
    }
    seen.add(extenUser);
    rows.push({ line, extenUser, name, password: given.data });
  }
  return rows;
}

/** Hashes the rows' passwords (made up where none was given), then adds them in one transaction. */
async function addRows(rows: Row[], bad: Bad, agents: Agents, { dryRun = false, signal }: AddOptions): Promise<Added<AgentsImportPreview>> {
  const report: AgentsImportPreview = { good: rows.length, added: 0, bad, generated: [] };
  const kept: { id: number; extenUser: string; hash: string }[] = [];
  if (!dryRun && rows.length > 0) {
    const passwords = rows.map((r) => r.password || newPassword());
    const hashes = await hashAll(passwords, signal);
    signal?.throwIfAborted();
    const added = await agents.addHashed(rows.map((r, i) => ({ extenUser: r.extenUser, name: r.name, hash: hashes[i]! })));
    added.forEach((agent, i) => {
      const row = rows[i]!;
      if (!agent) {
        report.good--;
        bad.push({ line: row.line, reason: `agent ${row.extenUser} already exists` });
        return;
      }
      report.added++;
      kept.push({ id: agent.id, extenUser: row.extenUser, hash: hashes[i]! });
      if (!row.password) report.generated.push({ extenUser: row.extenUser, password: passwords[i]! });
    });
  }
  bad.sort((a, b) => a.line - b.line);
  return { answer: report, withdraw: () => (kept.length > 0 ? agents.withdraw(kept) : Promise.resolve(0)) };
}

/** Every password hashed, HASHING_AT_ONCE at a time, in order. */
async function hashAll(passwords: string[], signal: AbortSignal | undefined): Promise<string[]> {
  const hashes: string[] = [];
  let next = 0;
  const worker = async () => {
    while (next < passwords.length) {
      signal?.throwIfAborted();
      const i = next++;
      hashes[i] = await hashPassword(passwords[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(HASHING_AT_ONCE, passwords.length) }, worker));
  return hashes;
}
