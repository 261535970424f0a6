import { chmodSync, existsSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { stringify } from 'csv-stringify/sync';
import { agentNameSchema, extenUserSchema, Agents } from '../accounts/agents';
import { importAgents, syncAgents, type Added } from '../accounts/agents-import';
import { newPassword } from '../accounts/secrets';
import type { Config } from '../platform/config';
import { loadVoicenterConfig } from '../voicenter/config';
import { accountExtensions } from '../voicenter/extension-list';
import { chosenPassword, PASSWORD_OPTIONS, typedPath, UsageError, withRelayThrottle, withStore, type CliIo } from './common';

/** `agents add|list|remove|passwd|import|sync`: the roster, on the data directory (also while the relay runs). */
export async function agentsCommand(config: Config, args: string[], io: CliIo): Promise<number | void> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { name: { type: 'string' }, ...PASSWORD_OPTIONS, 'passwords-to': { type: 'string' }, 'dry-run': { type: 'boolean' } },
  });
  const [action, extenUser] = positionals;
  const ttl = config.RELAY_SESSION_TTL_HOURS * 3_600_000;
  // The same rules as the console's, checked (and the password read) before the store is opened.
  const chosen = action === 'add' || action === 'passwd' ? await agentArguments(action, extenUser, values, io) : null;
  return withStore(config, async (store) => {
    const agents = new Agents(store.sql, ttl);
    if (action === 'import') return agentsImport(agents, extenUser, values['passwords-to'], io);
    if (action === 'sync') return agentsSync(config, agents, { dryRun: values['dry-run'] ?? false, passwordsTo: values['passwords-to'] }, io);
    if (action === 'list') {
      for (const a of await agents.list()) io.out(`${a.extenUser}\t${a.name}\t${a.enabled ? 'enabled' : 'disabled'}`);
      return;
    }
    if (!extenUser) throw new UsageError(`agents ${action ?? ''}: which extension user?`);
    if (action === 'remove') {
      await agents.remove(extenUser);
      io.out(`Removed agent ${extenUser}; its sessions are ended.`);
      return;
    }
    const password = chosen ?? newPassword();
    if (action === 'add') {
      await agents.add(extenUser, values.name ?? '', password);
      io.out(`Added agent ${extenUser}.`);
    } else if (action === 'passwd') {
      await withRelayThrottle(config, (throttle) => new Agents(store.sql, ttl, throttle).setPassword(extenUser, password));
      io.out(`New password set for ${extenUser}; its sessions are ended.`);
    } else {
      throw new UsageError(`unknown agents command: ${action}`);
    }
    if (!chosen) io.out(`Password: ${password}`);
  });
}

/** An agent's extension user, name and chosen password (null: generate one), by the console's rules. */
async function agentArguments(action: string, extenUser: string | undefined, values: { name?: string; password?: string; 'password-stdin'?: boolean }, io: CliIo): Promise<string | null> {
  if (!extenUser) throw new UsageError(`agents ${action}: which extension user?`);
  const user = extenUserSchema.safeParse(extenUser);
  const name = agentNameSchema.optional().safeParse(values.name);
  if (!user.success || !name.success) throw new UsageError((user.error ?? name.error)!.issues[0]!.message);
  return chosenPassword(values, io);
}

/** `agents import <file.csv> [--passwords-to FILE]`: generated passwords printed once, or written (mode 600) to FILE. */
async function agentsImport(agents: Agents, given: string | undefined, passwordsTo: string | undefined, io: CliIo): Promise<number> {
  if (!given) throw new UsageError('agents import <file.csv> [--passwords-to FILE]');
  const file = typedPath(given, io.env);
  if (!existsSync(file)) throw new UsageError(`no such file: ${given}`);
  const added = await importAgents(file, agents);
  const report = added.answer;
  io.out(`Added ${report.added} agents.`);
  for (const b of report.bad) io.out(`line ${b.line}: ${b.reason}`);
  if (!(await handOver(added, report.generated, passwordsTo, io))) return 1;
  if (report.bad.length > 0) io.out(`${report.bad.length} bad rows left out.`);
  return report.bad.length > 0 ? 1 : 0;
}

/**
 * `agents sync [--dry-run] [--passwords-to FILE]`: the account's extensions (Voicenter's extension
 * list) that are not agents yet are added with their names and generated passwords; existing
 * agents are left as they are. `--dry-run` says what would be added.
 */
async function agentsSync(config: Config, agents: Agents, options: { dryRun: boolean; passwordsTo: string | undefined }, io: CliIo): Promise<number> {
  const service = loadVoicenterConfig(config.RELAY_CONFIG, io.env ?? process.env).extensions;
  if (!service) throw new UsageError('agents sync needs voicenter.extensions (or voicenter.click2call) with the account code in the RELAY_CONFIG file');
  const added = await syncAgents(await accountExtensions(service), agents, { dryRun: options.dryRun });
  const { listed, existing, missing, report } = added.answer;
  io.out(`${listed} extensions in the Voicenter account; ${existing} are agents already (left as they are).`);
  if (options.dryRun) {
    io.out(`Would add ${report.good} agents:`);
    for (const e of missing) io.out(`  ${e.extenUser}\t${e.name}`);
  } else {
    io.out(`Added ${report.added} agents.`);
    if (!(await handOver(added, report.generated, options.passwordsTo, io))) return 1;
  }
  // (Numbered as the lines of a CSV of those to add, as `agents import` names them: the first is line 2.)
  for (const b of report.bad) io.out(`line ${b.line}: ${b.reason}`);
  return report.bad.length > 0 ? 1 : 0;
}

/**
 * The generated passwords handed to the administrator (writeGenerated); when they cannot be, the
 * agents just added are withdrawn, as the console does with an answer it could not deliver:
 * nobody else will ever have those passwords. False then.
 */
async function handOver(added: Added<unknown>, generated: { extenUser: string; password: string }[], passwordsTo: string | undefined, io: CliIo): Promise<boolean> {
  try {
    writeGenerated(generated, passwordsTo, io);
    return true;
  } catch (err) {
    const removed = await added.withdraw();
    io.err(`The generated passwords could not be written (${(err as Error).message}): the ${removed} agents just added were removed again.`);
    return false;
  }
}

/** Generated passwords: printed once, or written (mode 600) to the file the administrator chose. */
function writeGenerated(generated: { extenUser: string; password: string }[], passwordsTo: string | undefined, io: CliIo): void {
  if (generated.length === 0) return;
  if (passwordsTo) {
    const out = typedPath(passwordsTo, io.env);
    // A file there already keeps its mode when written: made private before the passwords go in.
    if (existsSync(out)) chmodSync(out, 0o600);
    writeFileSync(out, stringify(generated, { header: true, columns: ['extenUser', 'password'] }), { mode: 0o600 });
    io.out(`Generated passwords for ${generated.length} agents written to ${out} (readable by you only).`);
  } else {
    io.out('Generated passwords (shown only now):');
    for (const g of generated) io.out(`  ${g.extenUser}\t${g.password}`);
  }
}
