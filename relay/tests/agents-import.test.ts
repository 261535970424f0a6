import { mkdtempSync, writeFileSync } from 'node:fs';
import { request, type IncomingMessage } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { CONSOLE_HEADER } from '../../shared/console';
import { runCommand } from '../cli/commands';
import { Console, PASSWORD } from './console-client';
import { eventually, signIn, startRelay, type TestRelay } from './helpers';

const agentsCsv = (count: number, from = 1) =>
  `extenUser,name\n${Array.from({ length: count }, (_, i) => `S${from + i},Agent ${from + i}`).join('\n')}\n`;

/** The relay's log as parsed records, to wait for what it says. */
function kept(): { log: pino.Logger; said: (pattern: RegExp) => boolean } {
  const records: { msg?: string }[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString().split('\n')) if (line.trim()) records.push(JSON.parse(line) as { msg?: string });
      done();
    },
  });
  return { log: pino({ level: 'info' }, stream), said: (pattern) => records.some((r) => pattern.test(r.msg ?? '')) };
}

describe('importing agents in bulk', () => {
  let relay: TestRelay;
  afterEach(() => relay.stop());

  it('refuses, saying the maximum, a file with more agents than one request adds; nothing is added', async () => {
    relay = await startRelay();
    await relay.admins.setPassword('admin', PASSWORD);
    const c = await Console.signIn(relay);
    for (const path of ['/agents/import?dryRun=1', '/agents/import']) {
      const refused = await c.call(path, { method: 'POST', body: agentsCsv(501), type: 'text/csv' });
      expect(refused.status, path).toBe(413);
      expect(refused.body).toEqual({
        STATUS: 'ERROR',
        CODE: 'TOO_LARGE',
        ERROR: 'the file has 501 agents to add; at most 500 are added at a time: split it into files of 500 or fewer',
      });
    }
    expect(await relay.agents.list()).toEqual([]);
    // Rows of agents that exist already cost nothing: they do not count.
    await relay.agents.add('S1', 'Agent 1', 'a-password');
    const preview = await c.call('/agents/import?dryRun=1', { method: 'POST', body: agentsCsv(501), type: 'text/csv' });
    expect(preview.status).toBe(200);
    expect(preview.body).toMatchObject({ good: 500, bad: [{ line: 2 }] });
  });

  it('leaves no agent whose generated password nobody received: the browser that asked went away', async () => {
    const { log, said } = kept();
    relay = await startRelay({}, { log });
    await relay.admins.setPassword('admin', PASSWORD);
    const cookie = (await Console.signIn(relay) as unknown as { cookie: string }).cookie;
    // The whole file read by the relay, the passwords being hashed: then the supervisor's side is gone.
    const received = new Promise<void>((resolve) =>
      relay.server.prependListener('request', (req: IncomingMessage) => req.url === '/console/api/agents/import' && req.once('end', resolve)),
    );
    const body = agentsCsv(60);
    const sent = request(`${relay.url}/console/api/agents/import`, {
      method: 'POST',
      headers: { cookie, [CONSOLE_HEADER]: '1', 'content-type': 'text/csv', 'content-length': Buffer.byteLength(body) },
    });
    sent.on('error', () => undefined);
    sent.end(body);
    await received;
    sent.destroy();
    await eventually(() => Promise.resolve(said(/^agents import/)), Boolean, 'the import ended', 30_000);
    expect((await relay.agents.list()).filter((a) => a.enabled)).toEqual([]);
    // Nothing is in the way of sending the same file again.
    const c = await Console.signIn(relay);
    const again = await c.call('/agents/import', { method: 'POST', body, type: 'text/csv' });
    expect(again.body).toMatchObject({ added: 60, bad: [] });
    expect(await signIn(relay, 'S1', again.body.generated[0].password)).toMatch(/\S/);
  }, 60_000);

  it('withdraws what the CLI added when it cannot write the generated passwords', async () => {
    relay = await startRelay();
    const dir = mkdtempSync(join(tmpdir(), 'agents-'));
    writeFileSync(join(dir, 'agents.csv'), agentsCsv(3));
    const err: string[] = [];
    const code = await runCommand(
      ['agents', 'import', 'agents.csv', '--passwords-to', join(dir, 'no-such-folder', 'passwords.csv')],
      { ...process.env, LOG_LEVEL: 'silent', RELAY_DATA_DIR: relay.dataDir, INIT_CWD: dir },
      { out: () => undefined, err: (l) => err.push(l) },
    );
    expect(code).toBe(1);
    expect(err.join('\n')).toMatch(/^The generated passwords could not be written \(ENOENT.*\): the 3 agents just added were removed again\.$/);
    relay.agents.forget();
    expect(await relay.agents.list()).toEqual([]);
  });
});
