import { Readable } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { ENGINES, freshPostgres } from '../tests/services';
import { storePerTest } from '../tests/per-test';
import { Agents } from './agents';
import { importAgents, syncAgents, TooManyAgentsError } from './agents-import';

const database = await freshPostgres();
afterAll(async () => {
  await database?.drop();
});

const csv = (text: string) => Readable.from([text]);

describe.each(ENGINES)('bulk adds on %s', (engine) => {
  const open = storePerTest(engine, database);

  it('gives each row its own generated password, in line order, though several are hashed at once', async ({ skip }) => {
    const agents = new Agents((await open(skip)).sql, 3_600_000);
    const rows = Array.from({ length: 7 }, (_, i) => `B${i},Agent ${i},${i === 3 ? 'chosen-password' : ''}`);
    const { answer } = await importAgents(csv(`extenUser,name,password\n${rows.join('\n')}\n`), agents);
    expect(answer).toMatchObject({ good: 7, added: 7, bad: [] });
    expect(answer.generated.map((g) => g.extenUser)).toEqual(['B0', 'B1', 'B2', 'B4', 'B5', 'B6']);
    for (const { extenUser, password } of answer.generated) expect((await agents.signIn(extenUser, password)).ok, extenUser).toBe(true);
    expect((await agents.signIn('B3', 'chosen-password')).ok).toBe(true);
  });

  it('withdraws what it added, but not an agent whose password was set again since (someone has that one)', async ({ skip }) => {
    const agents = new Agents((await open(skip)).sql, 3_600_000);
    await agents.add('OLD', '', 'an-old-password');
    const added = await importAgents(csv('extenUser\nW1\nW2\nW3\nOLD\n'), agents);
    expect(added.answer).toMatchObject({ added: 3, bad: [{ line: 5 }] });
    await agents.setPassword('W2', 'told-to-w2');
    expect(await added.withdraw()).toBe(2);
    expect((await agents.list()).map((a) => a.extenUser)).toEqual(['OLD', 'W2']);
  });

  it('adds nothing past its limit: an import is refused whole, a sync leaves the rest for later', async ({ skip }) => {
    const agents = new Agents((await open(skip)).sql, 3_600_000);
    await expect(importAgents(csv('extenUser\nL1\nL2\nL3\n'), agents, { max: 2 })).rejects.toThrow(TooManyAgentsError);
    expect(await agents.list()).toEqual([]);
    const extensions = ['L1', 'bad one', 'L2', 'L3'].map((extenUser) => ({ extenUser, name: '' }));
    const first = await syncAgents(extensions, agents, { max: 2 });
    expect(first.answer).toMatchObject({ listed: 4, existing: 0, later: 1, report: { added: 2, bad: [{ line: 3 }] } });
    const second = await syncAgents(extensions, agents, { max: 2 });
    expect(second.answer).toMatchObject({ existing: 2, later: 0, report: { added: 1 } });
    expect((await agents.list()).map((a) => a.extenUser)).toEqual(['L1', 'L2', 'L3']);
  });

  it('stops, adding nobody, once nobody waits for the answer', async ({ skip }) => {
    const agents = new Agents((await open(skip)).sql, 3_600_000);
    const gone = new AbortController();
    gone.abort(new Error('gone'));
    await expect(importAgents(csv('extenUser\nX1\nX2\n'), agents, { signal: gone.signal })).rejects.toThrow('gone');
    expect(await agents.list()).toEqual([]);
  });
});
