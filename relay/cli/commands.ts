// Room relay/cli/: the supervisor's command line (`npm run relay -- <command>`).
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { existsSync, writeFileSync } from 'node:fs';
import type { ClientRequest } from 'node:http';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { stringify } from 'csv-stringify/sync';
import { pino } from 'pino';
import { parsePhone } from '../../shared/phone';
import { Admins, FIRST_ADMIN } from '../accounts/admins';
import type { SignInThrottle } from '../accounts/sign-in-throttle';
import { AgentExistsError, agentNameSchema, extenUserSchema, passwordSchema, Agents, NoSuchAgentError } from '../accounts/agents';
import { importAgents, syncAgents } from '../accounts/agents-import';
import { newPassword } from '../accounts/secrets';
import { voicenterAnswer } from '../calls/voicenter-answer';
import { LookupCache } from '../lookup/cache';
import { createChain, type TraceStep } from '../lookup/chain';
import { loadLookupConfig, type LookupConfig } from '../lookup/config';
import { ImportError, importContacts } from '../lookup/contacts-import';
import { Directory } from '../lookup/directory';
import { ConfigError, loadConfig, type Config } from '../platform/config';
import { openStore } from '../platform/store';
import { SchemaError } from '../platform/schema';
import { loadVoicenterConfig } from '../voicenter/config';
import { accountExtensions, ExtensionListError } from '../voicenter/extension-list';
import { relayThrottle } from '../app';
import { dbCommand } from './db';

/**
 * The relay's commands besides `start`: each works on the data directory directly, also while the
 * relay runs. Output goes through `io`, so they run the same in a terminal and in a test.
 */

export const USAGE = `Usage: npm run relay -- <command>
  start                                   run the relay (the default)
  agents add <extenUser> [--name NAME] [--password PW]
  agents list
  agents remove <extenUser>
  agents passwd <extenUser> [--password PW]
  agents import <file.csv> [--passwords-to FILE]  adds agents in bulk (extenUser, name, optional password)
  agents sync [--dry-run] [--passwords-to FILE]   adds the Voicenter account's extensions that are not agents yet
  contacts import <file.csv>
  admin passwd [--user NAME] [--password PW]  new console password (prints one when none is given)
  lookup <phone> [--no-cache]              what Voicenter would get, and each source's part
  db migrate                              bring the database's schema up to date (also done at start)
  db copy --to <postgres url>             copy this embedded installation into PostgreSQL (again is harmless)
  cache clear                             forget the CRM answers kept in the cache`;

export interface CliIo {
  out: (line: string) => void;
  err: (line: string) => void;
  /** Where secrets named in the RELAY_CONFIG file are read from (the process's environment). */
  env?: NodeJS.ProcessEnv;
}

class UsageError extends Error {}

async function agentsCommand(config: Config, args: string[], io: CliIo): Promise<number | void> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { name: { type: 'string' }, password: { type: 'string' }, 'passwords-to': { type: 'string' }, 'dry-run': { type: 'boolean' } },
  });
  const [action, extenUser] = positionals;
  const store = await openStore(config);
  const agents = new Agents(store.sql, config.RELAY_SESSION_TTL_HOURS * 3_600_000);
  try {
    if (action === 'import') return await agentsImport(agents, extenUser, values['passwords-to'], io);
    if (action === 'sync') return await agentsSync(config, agents, { dryRun: values['dry-run'] ?? false, passwordsTo: values['passwords-to'] }, io);
    if (action === 'list') {
      for (const a of await agents.list()) io.out(`${a.extenUser}\t${a.name}\t${a.enabled ? 'enabled' : 'disabled'}`);
      return;
    }
    if (!extenUser) throw new UsageError(`agents ${action ?? ''}: which extension user?`);
    // The same rules as the console's.
    const user = extenUserSchema.safeParse(extenUser);
    const given = passwordSchema.optional().safeParse(values.password);
    const name = agentNameSchema.optional().safeParse(values.name);
    if (!user.success || !given.success || !name.success) throw new UsageError((user.error ?? given.error ?? name.error)!.issues[0]!.message);
    if (action === 'add') {
      const password = values.password ?? newPassword();
      await agents.add(extenUser, values.name ?? '', password);
      io.out(`Added agent ${extenUser}.`);
      if (!values.password) io.out(`Password: ${password}`);
    } else if (action === 'remove') {
      await agents.remove(extenUser);
      io.out(`Removed agent ${extenUser}; its sessions are ended.`);
    } else if (action === 'passwd') {
      const password = values.password ?? newPassword();
      const ttl = config.RELAY_SESSION_TTL_HOURS * 3_600_000;
      await withRelayThrottle(config, (throttle) => new Agents(store.sql, ttl, throttle).setPassword(extenUser, password));
      io.out(`New password set for ${extenUser}; its sessions are ended.`);
      if (!values.password) io.out(`Password: ${password}`);
    } else {
      throw new UsageError(`unknown agents command: ${action}`);
    }
  } finally {
    await store.close();
  }
}

/**
 * Runs a password change with the relays' own sign-in throttle, so the account's failures are
 * forgotten where the relays count them: with several relays that is Redis, not this process's
 * memory. Redis out of reach refuses the command before anything is changed (the relays cannot
 * check passwords without it either).
 */
async function withRelayThrottle(config: Config, change: (throttle: SignInThrottle) => Promise<void>): Promise<void> {
  const { throttle, close } = await relayThrottle(config, pino({ level: 'silent' }));
  try {
    await change(throttle);
  } finally {
    close();
  }
}

/** `agents import <file.csv> [--passwords-to FILE]`: generated passwords printed once, or written (mode 600) to FILE. */
async function agentsImport(agents: Agents, given: string | undefined, passwordsTo: string | undefined, io: CliIo): Promise<number> {
  if (!given) throw new UsageError('agents import <file.csv> [--passwords-to FILE]');
  const file = typedPath(given, io.env);
  if (!existsSync(file)) throw new UsageError(`no such file: ${given}`);
  const report = await importAgents(file, agents);
  io.out(`Added ${report.added} agents.`);
  for (const b of report.bad) io.out(`line ${b.line}: ${b.reason}`);
  writeGenerated(report.generated, passwordsTo, io);
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
  const { listed, existing, missing, report } = await syncAgents(await accountExtensions(service), agents, { dryRun: options.dryRun });
  io.out(`${listed} extensions in the Voicenter account; ${existing} are agents already (left as they are).`);
  if (options.dryRun) {
    io.out(`Would add ${report.good} agents:`);
    for (const e of missing) io.out(`  ${e.extenUser}\t${e.name}`);
  } else {
    io.out(`Added ${report.added} agents.`);
    writeGenerated(report.generated, options.passwordsTo, io);
  }
  // (Numbered as the lines of a CSV of those to add, as `agents import` names them: the first is line 2.)
  for (const b of report.bad) io.out(`line ${b.line}: ${b.reason}`);
  return report.bad.length > 0 ? 1 : 0;
}

/** Generated passwords: printed once, or written (mode 600) to the file the administrator chose. */
function writeGenerated(generated: { extenUser: string; password: string }[], passwordsTo: string | undefined, io: CliIo): void {
  if (generated.length === 0) return;
  if (passwordsTo) {
    const out = typedPath(passwordsTo, io.env);
    writeFileSync(out, stringify(generated, { header: true, columns: ['extenUser', 'password'] }), { mode: 0o600 });
    io.out(`Generated passwords for ${generated.length} agents written to ${out} (readable by you only).`);
  } else {
    io.out('Generated passwords (shown only now):');
    for (const g of generated) io.out(`  ${g.extenUser}\t${g.password}`);
  }
}

/** A file named on the command line, from the folder it was typed in (npm run moves to the project's root; INIT_CWD is where it started). */
function typedPath(file: string, env: NodeJS.ProcessEnv | undefined): string {
  return resolve(env?.INIT_CWD ?? process.cwd(), file);
}

async function contactsCommand(config: Config, args: string[], io: CliIo): Promise<number | void> {
  const [action, given] = args;
  if (action !== 'import' || !given) throw new UsageError('contacts import <file.csv>');
  const file = typedPath(given, io.env);
  if (!existsSync(file)) throw new UsageError(`no such file: ${given}`);
  const store = await openStore(config);
  try {
    const report = await importContacts(file, new Directory(store.sql, config.RELAY_DEFAULT_COUNTRY, config.RELAY_MATCH_SUFFIX_DIGITS));
    io.out(`Imported ${report.added} new and ${report.updated} updated contacts.`);
    for (const b of report.bad) io.out(`line ${b.line}: ${b.reason}`);
    if (report.bad.length > 0) {
      io.out(`${report.bad.length} bad rows left out.`);
      return 1;
    }
  } finally {
    await store.close();
  }
}

async function lookupCommand(config: Config, args: string[], io: CliIo): Promise<number | void> {
  const { values, positionals } = parseArgs({ args, allowPositionals: true, options: { 'no-cache': { type: 'boolean' } } });
  const [number] = positionals;
  if (number === undefined) throw new UsageError('lookup <phone> [--no-cache]');
  const store = await openStore(config);
  try {
    const lookup = loadLookupConfig(config.RELAY_CONFIG, io.env);
    const { chain } = createChain(store.sql, config, lookup, pino({ level: 'silent' }));
    const phone = parsePhone(number, config.RELAY_DEFAULT_COUNTRY);
    const requests = watchRequests(lookup);
    const started = process.hrtime.bigint();
    const traced = await chain.trace(phone, !values['no-cache']).finally(requests.stop);
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    io.out(JSON.stringify(voicenterAnswer(traced.identity), null, 2));
    const shown = phone.withheld ? 'withheld' : `${phone.e164 ?? 'not understood'} (${phone.local || phone.raw})`;
    io.out(`number: ${shown}`);
    const { identity } = traced;
    const found = identity.source ? `${identity.source}: ${identity.status}, ${identity.how}` : identity.status;
    io.out(`answer: ${found}, ${identity.total} match(es), ${ms.toFixed(2)} ms; cache: ${traced.cache}`);
    for (const step of traced.steps) printStep(step, io);
    io.out(requests.sent.length ? 'requests sent (method and URL; headers, where credentials go, are not shown):' : 'requests sent: none');
    for (const line of requests.sent) io.out(`  ${line}`);
  } finally {
    await store.close();
  }
}

/** A source's outcome, then every record it returned: kept or dropped, and why (numbers verified). */
function printStep(step: TraceStep, io: CliIo): void {
  io.out(`  ${step.source.padEnd(20)} ${step.outcome.padEnd(10)} ${String(step.ms).padStart(5)} ms  ${step.detail}`);
  for (const c of step.candidates ?? []) {
    const who = `${c.name || '(no name)'}${c.company ? ` (${c.company})` : ''}${c.id ? ` [id ${c.id}]` : ''}`;
    io.out(`      ${c.kept ? 'kept   ' : 'dropped'} ${who}: ${c.why}`);
  }
}

const REQUEST_START = 'http.client.request.start';

/**
 * The requests that leave while `lookup` runs (searches, company records, 401 retries, redirects),
 * as method and URL, seen on Node's HTTP client as they are sent rather than rebuilt from the
 * configuration: what a supervisor compares with the CRM's reference. Credentials go in headers,
 * never shown; one in the query (`auth: query`) is masked, and a forwarded endpoint's path is not
 * shown, as it may carry that endpoint's token.
 */
function watchRequests(lookup: LookupConfig): { sent: string[]; stop: () => void } {
  const masked = new Set(lookup.sources.flatMap((s) => (s.kind === 'http' && s.auth.type === 'query' ? [s.auth.param] : [])));
  const forwarded = new Set(lookup.sources.flatMap((s) => (s.kind === 'voicenter-forward' ? [new URL(s.url).origin] : [])));
  const sent: string[] = [];
  const onStart = (message: unknown) => {
    const req = (message as { request: ClientRequest }).request;
    const origin = `${req.protocol}//${String(req.getHeader('host') ?? req.host)}`;
    sent.push(forwarded.has(origin) ? `${req.method} ${origin}/… (a forwarded endpoint: its path is not shown)` : `${req.method} ${origin}${maskQuery(req.path, masked)}`);
  };
  subscribe(REQUEST_START, onStart);
  return { sent, stop: () => unsubscribe(REQUEST_START, onStart) };
}

/** The path as sent, with the values of the named query parameters replaced by "…". */
function maskQuery(path: string, names: Set<string>): string {
  const at = path.indexOf('?');
  if (at < 0 || names.size === 0) return path;
  const pairs = path.slice(at + 1).split('&').map((pair) => {
    const [name] = new URLSearchParams(pair).keys();
    return name !== undefined && names.has(name) ? `${pair.split('=')[0]}=…` : pair;
  });
  return `${path.slice(0, at)}?${pairs.join('&')}`;
}

async function adminCommand(config: Config, args: string[], io: CliIo): Promise<number | void> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { user: { type: 'string', default: FIRST_ADMIN }, password: { type: 'string' } },
  });
  if (positionals[0] !== 'passwd') throw new UsageError('admin passwd [--user NAME] [--password PW]');
  const store = await openStore(config);
  try {
    const password = values.password ?? newPassword();
    await withRelayThrottle(config, (throttle) => new Admins(store.sql, 0, throttle).setPassword(values.user, password));
    io.out(`New console password set for ${values.user}; its console sessions are ended.`);
    if (!values.password) io.out(`Password: ${password}`);
  } finally {
    await store.close();
  }
}

async function cacheCommand(config: Config, args: string[], io: CliIo): Promise<void> {
  if (args[0] !== 'clear') throw new UsageError('cache clear');
  const store = await openStore(config);
  try {
    const removed = await new LookupCache(store.sql, loadLookupConfig(config.RELAY_CONFIG, io.env).cache).clear();
    io.out(`Cleared ${removed} cached lookups.`);
  } finally {
    await store.close();
  }
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
    io.out(USAGE);
    return 0;
  }
  try {
    const run = COMMANDS[command];
    if (!run) throw new UsageError(`unknown command: ${command}`);
    const { config, unknown } = loadConfig(env);
    for (const key of unknown) io.err(`warning: unknown setting ${key} is ignored`);
    return (await run(config, rest, { ...io, env })) ?? 0;
  } catch (err) {
    io.err(explain(err));
    return 2;
  }
}

/** A failed command in words for the person who typed it. */
export function explain(err: unknown): string {
  if (err instanceof UsageError) return `${err.message}\n\n${USAGE}`;
  if (err instanceof ConfigError || err instanceof SchemaError) return `Configuration error:\n${err.message}`;
  if (err instanceof AgentExistsError || err instanceof NoSuchAgentError || err instanceof ImportError || err instanceof ExtensionListError) return err.message;
  // node:util parseArgs: an unknown option or a missing value.
  if (String((err as { code?: unknown }).code).startsWith('ERR_PARSE_ARGS')) return `${(err as Error).message}\n\n${USAGE}`;
  return String(err instanceof Error ? (err.stack ?? err.message) : err);
}
