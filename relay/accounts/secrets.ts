import { createHash, randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

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

/**
 * The secret path segment of the pop-up URL: RELAY_VOICENTER_TOKEN when set, else the one
 * generated on first start and kept (readable by the owner only) in the data directory. The
 * console can rotate a generated one; one set in the environment is the environment's to change.
 */
export class PopupToken {
  readonly fromEnvironment: boolean;
  private current: string;
  private matches_: (given: string) => boolean;

  constructor(
    private readonly dataDir: string,
    fromEnv: string | undefined,
  ) {
    this.fromEnvironment = Boolean(fromEnv);
    const file = this.file();
    if (fromEnv) this.current = fromEnv;
    else if (existsSync(file)) this.current = readFileSync(file, 'utf8').trim();
    else {
      this.current = randomToken(24);
      writeFileSync(file, `${this.current}\n`, { mode: 0o600, flag: 'wx' });
    }
    this.matches_ = secretMatcher(this.current);
  }

  get value(): string {
    return this.current;
  }

  matches(given: string): boolean {
    return this.matches_(given);
  }

  /** A new token; the old one stops working at once. Written first to a temporary file, then renamed. */
  rotate(): string {
    if (this.fromEnvironment) throw new Error('the pop-up token is set by RELAY_VOICENTER_TOKEN: change it there');
    const next = randomToken(24);
    const temp = `${this.file()}.new`;
    writeFileSync(temp, `${next}\n`, { mode: 0o600 });
    renameSync(temp, this.file());
    this.current = next;
    this.matches_ = secretMatcher(next);
    return next;
  }

  private file(): string {
    return join(this.dataDir, 'voicenter-token');
  }
}
