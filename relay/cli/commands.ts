// Room relay/cli/: the supervisor's command line (`npm run relay -- <command>`).
import { existsSync } from 'node:fs';
import { AdminExistsError, LastAdminError, NoSuchAdminError } from '../accounts/admins';
import { AgentExistsError, NoSuchAgentError } from '../accounts/agents';
import { LookupCache } from '../lookup/cache';
import { loadLookupConfig } from '../lookup/config';
import { ImportError, importContacts } from '../lookup/contacts-import';
import { Directory } from '../lookup/directory';
import { ConfigError, loadConfig, type Config } from '../platform/config';
import { relayCommand } from '../platform/invocation';
import { describeTightened, tightenDataDir } from '../platform/data-dir';
import { SchemaError } from '../platform/schema';
import { ExtensionListError } from '../voicenter/extension-list';
import { adminCommand } from './admin-command';
import { agentsCommand } from './agents-command';
import { RefusedValue, typedPath, UsageError, withStore, type CliIo } from './common';
import { dbCommand } from './db';
import { lookupCommand } from './lookup-command';

export type { CliIo } from './common';

/**
 * The relay's commands besides `start`: each works on the data directory directly, also while the
 * relay runs. Output goes through `io`, so they run the same in a terminal and in a test.
 */

/** The commands, named as they are typed where this relay runs (platform/invocation.ts). */
export const usage = (): string => `Usage: ${relayCommand('<command>')}
  start                                   run the relay (the default)
  agents add <extenUser> [--name NAME] [--password PW | --password-stdin]
  agents list
  agents remove <extenUser>
  agents passwd <extenUser> [--password PW | --password-stdin]
  agents import <file.csv> [--passwords-to FILE]  adds agents in bulk (extenUser, name, optional password)
  agents sync [--dry-run] [--passwords-to FILE]   adds the Voicenter account's extensions that are not agents yet
  contacts import <file.csv>
  admin passwd [--user NAME] [--password PW | --password-stdin]  an administrator's new console password (prints one when none is given)
  admin add NAME [--password PW | --password-stdin]               another console administrator (prints a password when none is given)
  admin list                              the console's administrators
  admin remove NAME                       removes an administrator (never the last one)
  lookup <phone> [--no-cache]              what Voicenter would get, and each source's part
  db migrate                              bring the database's schema up to date (also done at start)
  db copy --to <postgres url>             copy this embedded installation into PostgreSQL (again is harmless)
  cache clear                             forget the CRM answers kept in the cache
A password chosen is at least 8 characters; --password-stdin reads it as one line of standard input
(out of the process list and the shell's history): printf '%s\\n' "$PW" | ${relayCommand('admin passwd --password-stdin')}`;

async function contactsCommand(config: Config, args: string[], io: CliIo): Promise<number | void> {
  const [action, given] = args;
  if (action !== 'import' || !given) throw new UsageError('contacts import <file.csv>');
  const file = typedPath(given, io.env);
  if (!existsSync(file)) throw new UsageError(`no such file: ${given}`);
  return withStore(config, async (store) => {
    const report = await importContacts(file, new Directory(store.sql, config.RELAY_DEFAULT_COUNTRY, config.RELAY_MATCH_SUFFIX_DIGITS));
    io.out(`Imported ${report.added} new and ${report.updated} updated contacts.`);
    for (const b of report.bad) io.out(`line ${b.line}: ${b.reason}`);
    if (report.bad.length === 0) return;
    io.out(`${report.bad.length} bad rows left out.`);
    return 1;
  });
}

async function cacheCommand(config: Config, args: string[], io: CliIo): Promise<void> {
  if (args[0] !== 'clear') throw new UsageError('cache clear');
  await withStore(config, async (store) => {
    const removed = await new LookupCache(store.sql, loadLookupConfig(config.RELAY_CONFIG, io.env).cache).clear();
    io.out(`Cleared ${removed} cached lookups.`);
  });
}

const COMMANDS: Record<string, (config: Config, args: string[], io: CliIo) => Promise<number | void> | void> = {
  db: (config, args, io) => dbCommand(config, args, io, (message) => new UsageError(message)),
  agents: agentsCommand,
  contacts: contactsCommand,
  lookup: lookupCommand,
  cache: cacheCommand,
  admin: adminCommand,
};

/** Runs one command (not `start`); returns the exit code: 0 done, 1 done with bad rows, 2 refused. */
export async function runCommand(argv: string[], env: NodeJS.ProcessEnv, io: CliIo): Promise<number> {
  const [command = '', ...rest] = argv;
  if (command === '--help' || command === 'help') {
    io.out(usage());
    return 0;
  }
  try {
    const run = COMMANDS[command];
    if (!run) throw new UsageError(`unknown command: ${command}`);
    const { config, unknown } = loadConfig(env);
    for (const key of unknown) io.err(`warning: unknown setting ${key} is ignored`);
    // An installation made before its data directory was kept private: tightened by whichever runs first, the relay or a command, and said.
    const tightened = tightenDataDir(config.RELAY_DATA_DIR);
    if (tightened.changed.length + tightened.failed.length > 0) io.err(`note: data directory ${config.RELAY_DATA_DIR}: ${describeTightened(tightened)}`);
    return (await run(config, rest, { ...io, env })) ?? 0;
  } catch (err) {
    io.err(explain(err));
    return 2;
  }
}

/** A failed command in words for the person who typed it. */
export function explain(err: unknown): string {
  if (err instanceof UsageError) return `${err.message}\n\n${usage()}`;
  if (err instanceof ConfigError || err instanceof SchemaError) return `Configuration error:\n${err.message}`;
  const worded = [RefusedValue, AgentExistsError, NoSuchAgentError, AdminExistsError, NoSuchAdminError, LastAdminError, ImportError, ExtensionListError];
  if (worded.some((kind) => err instanceof kind)) return (err as Error).message;
  // node:util parseArgs: an unknown option or a missing value.
  if (String((err as { code?: unknown }).code).startsWith('ERR_PARSE_ARGS')) return `${(err as Error).message}\n\n${usage()}`;
  return String(err instanceof Error ? (err.stack ?? err.message) : err);
}
