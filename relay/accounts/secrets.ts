import { createHash, randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Sql } from '../platform/sql';

/** A random secret, URL-safe. 32 bytes = 256 bits. */
export function randomToken(bytes = 32): string {
  return randomBytes(bytes).toString('base64url');
}

export function sha256(text: string): string {
  return createHash('sha256').update(text).digest('base64url');
}

/** A password the relay makes up (agents, the first administrator): 12 random bytes, 16 characters. */
export const newPassword = () => randomToken(12);

const digest = (text: string) => createHash('sha256').update(text).digest();

/**
 * Compares secrets against one fixed secret in time that does not depend on where they differ
 * (nor on their lengths). The secret is hashed once: the pop-up token is checked on every request.
 */
export function secretMatcher(secret: string): (given: string) => boolean {
  const expected = digest(secret);
  return (given) => timingSafeEqual(digest(given), expected);
}

const SCRYPT: ScryptOptions = { N: 16384, r: 8, p: 1, maxmem: 64 * 1024 * 1024 };
const KEY_LENGTH = 32;

function derive(password: string, salt: Buffer, options: ScryptOptions): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    scrypt(password, salt, KEY_LENGTH, options, (err, key) => (err ? reject(err) : resolve(key))),
  );
}

/** `scrypt$N$r$p$salt$key`, so the cost can be raised later without breaking stored hashes. */
export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const key = await derive(password, salt, SCRYPT);
  return ['scrypt', SCRYPT.N, SCRYPT.r, SCRYPT.p, salt.toString('base64url'), key.toString('base64url')].join('$');
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const [kind, n, r, p, salt, key] = stored.split('$');
  if (kind !== 'scrypt' || !salt || !key) return false;
  const expected = Buffer.from(key, 'base64url');
  const actual = await derive(password, Buffer.from(salt, 'base64url'), {
    N: Number(n), r: Number(r), p: Number(p), maxmem: SCRYPT.maxmem,
  });
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}

/** Where a generated pop-up token is kept: a file in the data directory (embedded), or the database's settings (several relays). */
export interface TokenPlace {
  read(): Promise<string | undefined>;
  /** Keeps the first token made; resolves to the one kept (another relay's, when it was first). */
  create(token: string): Promise<string>;
  replace(token: string): Promise<void>;
}

/** The embedded relay's place: `voicenter-token` in the data directory, readable by its owner only. */
export function tokenFile(dataDir: string): TokenPlace {
  return secretFile(join(dataDir, 'voicenter-token'));
}

/** A secret kept in a file readable by its owner only (the embedded relay's data directory). */
export function secretFile(file: string): TokenPlace {
  return {
    read: () => Promise.resolve(existsSync(file) ? readFileSync(file, 'utf8').trim() : undefined),
    create: (token) => {
      writeFileSync(file, `${token}\n`, { mode: 0o600, flag: 'wx' });
      return Promise.resolve(token);
    },
    replace: (token) => {
      // Written first to a temporary file, then renamed: never half a token.
      writeFileSync(`${file}.new`, `${token}\n`, { mode: 0o600 });
      renameSync(`${file}.new`, file);
      return Promise.resolve();
    },
  };
}

/**
 * The secret path segment of the pop-up URL: RELAY_VOICENTER_TOKEN when set, else the one
 * generated on first start and kept (see TokenPlace). The console can rotate a generated one;
 * one set in the environment is the environment's to change.
 */
export class PopupToken {
  private matches_: (given: string) => boolean;

  private constructor(
    private readonly place: TokenPlace,
    private current: string,
    readonly fromEnvironment: boolean,
  ) {
    this.matches_ = secretMatcher(current);
  }

  static async open(place: TokenPlace, fromEnv: string | undefined): Promise<PopupToken> {
    if (fromEnv) return new PopupToken(place, fromEnv, true);
    return new PopupToken(place, (await place.read()) ?? (await place.create(randomToken(24))), false);
  }

  get value(): string {
    return this.current;
  }

  matches(given: string): boolean {
    return this.matches_(given);
  }

  /** A new token; the old one stops working at once (on other relays at their next refresh()). */
  async rotate(): Promise<string> {
    if (this.fromEnvironment) throw new Error('the pop-up token is set by RELAY_VOICENTER_TOKEN: change it there');
    const next = randomToken(24);
    await this.place.replace(next);
    this.use(next);
    return next;
  }

  /** Reads the kept token again: another relay may have rotated it. */
  async refresh(): Promise<void> {
    if (this.fromEnvironment) return;
    const kept = await this.place.read();
    if (kept && kept !== this.current) this.use(kept);
  }

  private use(token: string): void {
    this.current = token;
    this.matches_ = secretMatcher(token);
  }
}

/** Several relays' place: the database's settings (`popup-token`), where `db copy` puts an embedded relay's token too. */
export function tokenSetting(sql: Sql): TokenPlace {
  return secretSetting(sql, 'popup-token');
}

/** A secret every relay shares, in the database's settings: the first relay to make one keeps it. */
export function secretSetting(sql: Sql, key: string): TokenPlace {
  const read = () => sql.get<{ value: string }>('SELECT value FROM relay_settings WHERE key = ?', [key]).then((r) => r?.value);
  return {
    read,
    create: async (value) => {
      await sql.run('INSERT INTO relay_settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO NOTHING', [key, value]);
      return (await read())!;
    },
    replace: async (value) => {
      await sql.run('INSERT INTO relay_settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value', [key, value]);
    },
  };
}
