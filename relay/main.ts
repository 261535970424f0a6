import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { pino } from 'pino';
import { parsePhone } from '../shared/phone';
import { Admins, FIRST_ADMIN } from './accounts/admins';
import { AgentExistsError, agentNameSchema, extenUserSchema, passwordSchema, Agents, NoSuchAgentError } from './accounts/agents';
import { createRelay } from './app';
import { ConfigError, EXTENSION_ID, loadConfig, type Config } from './platform/config';
import { ImportError, importContacts } from './lookup/contacts-import';
import { openDatabase } from './platform/db';
import { Directory } from './lookup/directory';
import { voicenterAnswer } from './calls/voicenter-answer';
import { LookupCache } from './lookup/cache';
import { createChain } from './lookup/chain';
import { loadLookupConfig } from './lookup/config';
import { newPassword } from './accounts/secrets';

const USAGE = `Usage: npm run relay -- <command>
  start                                   run the relay (the default)
  agents add <extenUser> [--name NAME] [--password PW]
  agents list
  agents remove <extenUser>
  agents passwd <extenUser> [--password PW]
  contacts import <file.csv>
  admin passwd [--user NAME] [--password PW]  new console password (prints one when none is given)
  lookup <phone> [--no-cache]              what Voicenter would get, and each source's part
  cache clear                             forget the CRM answers kept in the cache`;

class UsageError extends Error {}

function start(config: Config): void {
  const relay = createRelay(config);
  const { server, log } = relay;
  server.listen(config.PORT, config.HOST, () => {
    const address = server.address();
    const port = typeof address === 'object' && address ? address.port : config.PORT;
    const shown = config.HOST === '0.0.0.0' || config.HOST === '::' ? 'localhost' : config.HOST;
    const base = `${config.RELAY_TLS_CERT ? 'https' : 'http'}://${shown}:${port}`;
    const extension = resolve('dist/extension');
    console.log(`Relay listening on ${base} (all interfaces: ${config.HOST})`);
    console.log(`Voicenter pop-up URL: ${base}/voicenter/${relay.token}`);
    console.log('  (use the address Voicenter or the agents\' browsers reach instead of localhost)');
    console.log(
      existsSync(extension)
        ? `Extension: load unpacked from ${extension} (id ${EXTENSION_ID})`
        : 'Extension: not built yet; run npm run build',
    );
    console.log(`Console: ${base}/`);
    void relay.admins.ensureFirst().then((password) => {
      if (password) {
        console.log(`  first start: sign in as "${FIRST_ADMIN}" with the password ${password}`);
        console.log('  (shown only now; change it with: npm run relay -- admin passwd)');
      }
    });
    log.info({ port, host: config.HOST }, 'relay started');
  });
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'relay stopping');
    // 1012: service restart. Extensions reconnect (with jitter) to the relay that comes back.
    relay.sockets.close(1012, 'relay restarting');
    relay.endLiveViews();
    server.close(() => {
      void relay.close().then(() => process.exit(0));
    });
    server.closeIdleConnections();
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

async function agentsCommand(config: Config, args: string[]): Promise<void> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { name: { type: 'string' }, password: { type: 'string' } },
  });
  const [action, extenUser] = positionals;
  const db = openDatabase(config.RELAY_DATA_DIR);
  const agents = new Agents(db, config.RELAY_SESSION_TTL_HOURS * 3_600_000);
  try {
    if (action === 'list') {
      for (const a of agents.list()) console.log(`${a.extenUser}\t${a.name}\t${a.enabled ? 'enabled' : 'disabled'}`);
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
      console.log(`Added agent ${extenUser}.`);
      if (!values.password) console.log(`Password: ${password}`);
    } else if (action === 'remove') {
      agents.remove(extenUser);
      console.log(`Removed agent ${extenUser}; its sessions are ended.`);
    } else if (action === 'passwd') {
      const password = values.password ?? newPassword();
      await agents.setPassword(extenUser, password);
      console.log(`New password set for ${extenUser}; its sessions are ended.`);
      if (!values.password) console.log(`Password: ${password}`);
    } else {
      throw new UsageError(`unknown agents command: ${action}`);
    }
  } finally {
    db.close();
  }
}

async function contactsCommand(config: Config, args: string[]): Promise<void> {
  const [action, file] = args;
  if (action !== 'import' || !file) throw new UsageError('contacts import <file.csv>');
  if (!existsSync(file)) throw new UsageError(`no such file: ${file}`);
  const db = openDatabase(config.RELAY_DATA_DIR);
  try {
    const report = await importContacts(file, new Directory(db, config.RELAY_DEFAULT_COUNTRY, config.RELAY_MATCH_SUFFIX_DIGITS));
    console.log(`Imported ${report.added} new and ${report.updated} updated contacts.`);
    for (const b of report.bad) console.log(`line ${b.line}: ${b.reason}`);
    if (report.bad.length > 0) {
      console.log(`${report.bad.length} bad rows left out.`);
      process.exitCode = 1;
    }
  } finally {
    db.close();
  }
}

async function lookupCommand(config: Config, args: string[]): Promise<void> {
  const { values, positionals } = parseArgs({ args, allowPositionals: true, options: { 'no-cache': { type: 'boolean' } } });
  const [number] = positionals;
  if (number === undefined) throw new UsageError('lookup <phone> [--no-cache]');
  const db = openDatabase(config.RELAY_DATA_DIR);
  try {
    const { chain } = createChain(db, config, loadLookupConfig(config.RELAY_CONFIG), pino({ level: 'silent' }));
    const phone = parsePhone(number, config.RELAY_DEFAULT_COUNTRY);
    const started = process.hrtime.bigint();
    const traced = await chain.trace(phone, !values['no-cache']);
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    console.log(JSON.stringify(voicenterAnswer(traced.identity), null, 2));
    const shown = phone.withheld ? 'withheld' : `${phone.e164 ?? 'not understood'} (${phone.local || phone.raw})`;
    console.log(`number: ${shown}`);
    const { identity } = traced;
    const found = identity.source ? `${identity.source}: ${identity.status}, ${identity.how}` : identity.status;
    console.log(`answer: ${found}, ${identity.total} match(es), ${ms.toFixed(2)} ms; cache: ${traced.cache}`);
    for (const step of traced.steps) {
      console.log(`  ${step.source.padEnd(20)} ${step.outcome.padEnd(10)} ${String(step.ms).padStart(5)} ms  ${step.detail}`);
    }
  } finally {
    db.close();
  }
}

async function adminCommand(config: Config, args: string[]): Promise<void> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { user: { type: 'string', default: FIRST_ADMIN }, password: { type: 'string' } },
  });
  if (positionals[0] !== 'passwd') throw new UsageError('admin passwd [--user NAME] [--password PW]');
  const db = openDatabase(config.RELAY_DATA_DIR);
  try {
    const password = values.password ?? newPassword();
    await new Admins(db, 0).setPassword(values.user, password);
    console.log(`New console password set for ${values.user}; its console sessions are ended.`);
    if (!values.password) console.log(`Password: ${password}`);
  } finally {
    db.close();
  }
}

function cacheCommand(config: Config, args: string[]): void {
  if (args[0] !== 'clear') throw new UsageError('cache clear');
  const db = openDatabase(config.RELAY_DATA_DIR);
  try {
    const removed = new LookupCache(db, loadLookupConfig(config.RELAY_CONFIG).cache).clear();
    console.log(`Cleared ${removed} cached lookups.`);
  } finally {
    db.close();
  }
}

async function main(argv: string[]): Promise<void> {
  const [command = 'start', ...rest] = argv;
  if (command === '--help' || command === 'help') {
    console.log(USAGE);
    return;
  }
  const { config, unknown } = loadConfig();
  for (const key of unknown) console.error(`warning: unknown setting ${key} is ignored`);
  if (command === 'start') start(config);
  else if (command === 'agents') await agentsCommand(config, rest);
  else if (command === 'contacts') await contactsCommand(config, rest);
  else if (command === 'lookup') await lookupCommand(config, rest);
  else if (command === 'cache') cacheCommand(config, rest);
  else if (command === 'admin') await adminCommand(config, rest);
  else throw new UsageError(`unknown command: ${command}`);
}

main(process.argv.slice(2)).catch((err: unknown) => {
  if (err instanceof UsageError) console.error(`${err.message}\n\n${USAGE}`);
  else if (err instanceof ConfigError) console.error(`Configuration error:\n${err.message}`);
  else if (err instanceof AgentExistsError || err instanceof NoSuchAgentError || err instanceof ImportError) {
    console.error(err.message);
  } else if (String((err as { code?: unknown }).code).startsWith('ERR_PARSE_ARGS')) {
    // node:util parseArgs: an unknown option or a missing value.
    console.error(`${(err as Error).message}\n\n${USAGE}`);
  }
  else console.error(err);
  process.exitCode = 2;
});
