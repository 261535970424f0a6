import type { Readable } from 'node:stream';
import { z } from 'zod';
import type { AgentsImportPreview, AgentsSync } from '../../shared/console';
import { csvRecords } from '../platform/csv-records';
import { agentNameSchema, AgentExistsError, extenUserSchema, passwordSchema, type Agents } from './agents';
import { newPassword } from './secrets';

/** One row: the same rules as `agents add` and the console's Agents page. */
const rowSchema = z.object({
  extenuser: z.string().trim().pipe(extenUserSchema),
  name: agentNameSchema.default(''),
});
/** A row's password, read once its agent is known to be new: an existing agent's row is refused as such, whatever it holds. */
const rowPasswordSchema = z.string().default('').pipe(z.union([z.literal(''), passwordSchema]));

/**
 * Adds agents from a CSV file or stream (`extenUser`, `name`, optional `password`; a header
 * row). Bad rows — and extension users that exist already, whose passwords are never touched —
 * are reported by line; the good ones are added. `dryRun`: reads and reports only.
 */
export async function importAgents(input: string | Readable, agents: Agents, { dryRun = false }: { dryRun?: boolean } = {}): Promise<AgentsImportPreview> {
  const unreadable: AgentsImportPreview['bad'] = [];
  const report = await addAgents(csvRecords(input, ['extenuser'], (line, reason) => unreadable.push({ line, reason })), agents, { dryRun });
  report.bad = [...report.bad, ...unreadable].sort((a, b) => a.line - b.line);
  return report;
}

/**
 * Adds agents from records (`extenuser`, `name`, optional `password`, by line): the rules of
 * `importAgents`, for any list of them (a CSV file, or the Voicenter account's extensions).
 */
export async function addAgents(
  records: AsyncIterable<{ record: Record<string, string>; line: number }> | Iterable<{ record: Record<string, string>; line: number }>,
  agents: Agents,
  { dryRun = false }: { dryRun?: boolean } = {},
): Promise<AgentsImportPreview> {
  const report: AgentsImportPreview = { good: 0, added: 0, bad: [], generated: [] };
  const seen = new Set((await agents.list()).map((a) => a.extenUser));
  for await (const { record, line } of records) {
    const row = rowSchema.safeParse(record);
    if (!row.success) {
      report.bad.push({ line, reason: row.error.issues[0]!.message });
      continue;
    }
    const { extenuser: extenUser, name } = row.data;
    if (seen.has(extenUser)) {
      report.bad.push({ line, reason: `agent ${extenUser} already exists (its password is left as it is)` });
      continue;
    }
    const given = rowPasswordSchema.safeParse(record.password);
    if (!given.success) {
      report.bad.push({ line, reason: given.error.issues[0]!.message });
      continue;
    }
    const password = given.data;
    seen.add(extenUser);
    report.good++;
    if (dryRun) continue;
    const chosen = password || newPassword();
    try {
      await agents.add(extenUser, name, chosen);
    } catch (err) {
      if (!(err instanceof AgentExistsError)) throw err;
      report.good--;
      report.bad.push({ line, reason: err.message });
      continue;
    }
    report.added++;
    if (!password) report.generated.push({ extenUser, password: chosen });
  }
  report.bad.sort((a, b) => a.line - b.line);
  return report;
}

/**
 * The account's extensions (Voicenter's extension list, read by the caller) made agents: those not
 * agents yet are added with their names and generated passwords; existing agents are never touched.
 * Rows are numbered as the lines of a CSV of those to add (the first is line 2), as `importAgents` does.
 */
export async function syncAgents(extensions: { extenUser: string; name: string }[], agents: Agents, { dryRun = false } = {}): Promise<AgentsSync> {
  const known = new Set((await agents.list()).map((a) => a.extenUser));
  const missing = extensions.filter((e) => !known.has(e.extenUser));
  const report = await addAgents(missing.map((e, index) => ({ record: { extenuser: e.extenUser, name: e.name }, line: index + 2 })), agents, { dryRun });
  return { listed: extensions.length, existing: extensions.length - missing.length, missing, report };
}
