import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { Agents } from './agents';
import { openDatabase, type DB } from '../platform/db';
import { sha256 } from './secrets';

let db: DB;
let agents: Agents;
const HOUR = 3_600_000;

beforeEach(() => {
  db = openDatabase(mkdtempSync(join(tmpdir(), 'agents-')));
  agents = new Agents(db, HOUR);
});

describe('Agents', () => {
  it('stores a scrypt hash, never the password', async () => {
    await agents.add('A1', 'Dana', 'correct horse');
    const row = db.prepare('SELECT password_hash FROM agents').get() as { password_hash: string };
    expect(row.password_hash).toMatch(/^scrypt\$16384\$8\$1\$/);
    expect(row.password_hash).not.toContain('correct horse');
  });

  it('stores only the hash of a session token', async () => {
    await agents.add('A1', '', 'pw');
    const result = await agents.signIn('A1', 'pw', undefined, 1_000);
    if (!result.ok) throw new Error('sign-in failed');
    const stored = db.prepare('SELECT token_hash FROM sessions').all() as { token_hash: string }[];
    expect(stored).toEqual([{ token_hash: sha256(result.token) }]);
    expect(agents.session(sha256(result.token), 2_000)?.extenUser).toBe('A1');
  });

  it('expires sessions after their lifetime', async () => {
    await agents.add('A1', '', 'pw');
    const result = await agents.signIn('A1', 'pw', undefined, 0);
    if (!result.ok) throw new Error('sign-in failed');
    expect(agents.session(sha256(result.token), HOUR - 1)).toBeDefined();
    expect(agents.session(sha256(result.token), HOUR)).toBeUndefined();
  });

  it('ends the sessions of a removed agent', async () => {
    await agents.add('A1', '', 'pw');
    const result = await agents.signIn('A1', 'pw');
    if (!result.ok) throw new Error('sign-in failed');
    agents.remove('A1');
    expect(agents.session(sha256(result.token))).toBeUndefined();
  });

  it('refuses a disabled agent', async () => {
    await agents.add('A1', '', 'pw');
    db.prepare('UPDATE agents SET enabled = 0').run();
    expect(await agents.signIn('A1', 'pw')).toEqual({ ok: false, code: 'UNAUTHORIZED' });
  });
});
