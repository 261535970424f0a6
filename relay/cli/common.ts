import { resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { pino } from 'pino';
import { passwordSchema } from '../accounts/agents';
import type { SignInThrottle } from '../accounts/sign-in-throttle';
import { relayThrottle } from '../app';
import type { Config } from '../platform/config';
import { openStore, type Store } from '../platform/store';

/** What every command group shares: its input and output, the usage error, files typed, the store, passwords. */

export interface CliIo {
  out: (line: string) => void;
  err: (line: string) => void;
  /** Where secrets named in the RELAY_CONFIG file are read from (the process's environment). */
  env?: NodeJS.ProcessEnv;
  /** Where --password-stdin reads its line (the process's standard input). */
  stdin?: NodeJS.ReadableStream;
}

/** The command was typed wrong: its message, then the usage. */
export class UsageError extends Error {}

/** A value the command refuses (a password too short): its message alone, the command itself was right. */
export class RefusedValue extends Error {}

/** A file named on the command line, from the folder it was typed in (npm run moves to the project's root; INIT_CWD is where it started). */
export function typedPath(file: string, env: NodeJS.ProcessEnv | undefined): string {
  return resolve(env?.INIT_CWD ?? process.cwd(), file);
}

/** Runs `fn` on the installation's store, closed after. */
export async function withStore<T>(config: Config, fn: (store: Store) => Promise<T>): Promise<T> {
  const store = await openStore(config);
  try {
    return await fn(store);
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
export async function withRelayThrottle(config: Config, change: (throttle: SignInThrottle) => Promise<void>): Promise<void> {
  const { throttle, close } = await relayThrottle(config, pino({ level: 'silent' }));
  try {
    await change(throttle);
  } finally {
    close();
  }
}

/** The options of a command that sets a password. */
export const PASSWORD_OPTIONS = { password: { type: 'string' }, 'password-stdin': { type: 'boolean' } } as const;

/**
 * The password a command sets: `--password PW`, or the first line of standard input with
 * `--password-stdin` (kept out of the process list and the shell's history); null when neither
 * is given (the command generates one). A chosen password follows passwordSchema.
 */
export async function chosenPassword(values: { password?: string; 'password-stdin'?: boolean }, io: CliIo): Promise<string | null> {
  if (values.password !== undefined && values['password-stdin']) throw new UsageError('give --password or --password-stdin, not both');
  const given = values['password-stdin'] ? await firstLine(io.stdin ?? process.stdin) : values.password;
  if (given === undefined) {
    if (values['password-stdin']) throw new RefusedValue('--password-stdin: standard input ended before a line with the password');
    return null;
  }
  const checked = passwordSchema.safeParse(given);
  if (!checked.success) throw new RefusedValue(checked.error.issues[0]!.message);
  return checked.data;
}

/** The first line of a stream (without its line ending), or undefined when it ends first. */
async function firstLine(input: NodeJS.ReadableStream): Promise<string | undefined> {
  const lines = createInterface({ input, crlfDelay: Infinity, terminal: false });
  try {
    for await (const line of lines) return line;
    return undefined;
  } finally {
    lines.close();
  }
}
