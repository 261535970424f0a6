import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { ServerMessage } from '../../shared/messages';
import { AgentClient, popup, signIn, startRelay, type TestRelay } from './helpers';

type Hello = Extract<ServerMessage, { type: 'hello' }>;
type Call = Extract<ServerMessage, { type: 'call' }>;
const isHello = (m: ServerMessage): m is Hello => m.type === 'hello';
const isCall = (ivrid: string, state?: string) => (m: ServerMessage): m is Call =>
  m.type === 'call' && m.call.ivrid === ivrid && (state === undefined || m.call.state === state);

let relays: TestRelay[] = [];
afterEach(async () => {
  for (const r of relays) await r.stop();
  relays = [];
});

async function relayIn(dataDir: string, port = 0): Promise<TestRelay> {
  const relay = await startRelay({ RELAY_DATA_DIR: dataDir, PORT: port });
  relays.push(relay);
  return relay;
}

/** What happens while the agent is away: one call still ringing, one that rang out unanswered. */
async function whileAway(relay: TestRelay): Promise<void> {
  await popup(relay, { ivrid: 'away-ringing', extenUser: 'A1', phone: '0722776772', status: 'Ringing' });
  await popup(relay, { ivrid: 'away-missed', extenUser: 'A1', phone: '0501234567', status: 'Ringing' });
  await popup(relay, { ivrid: 'away-missed', extenUser: 'A1', status: 'Hangup', cause: 'No user responding' });
}

describe('resuming after a gap', () => {
  it('replays exactly what was missed, in order, when the relay still has it', async () => {
    const relay = await relayIn(mkdtempSync(join(tmpdir(), 'cont-')));
    await relay.agents.add('A1', '', 'pw');
    const token = await signIn(relay, 'A1', 'pw');
    const first = await AgentClient.connect(relay, token);
    const hello = await first.next(isHello);
    await popup(relay, { ivrid: 'before', extenUser: 'A1', status: 'Ringing' });
    const seen = await first.next(isCall('before'));
    const since = Date.now();
    first.close();
    await first.closed();

    await whileAway(relay);
    const back = await AgentClient.connect(relay, token);
    const hello2 = await back.next(isHello);
    expect(hello2.seq).toBe(seen.seq + 3);
    back.ws.send(JSON.stringify({ type: 'resume', epoch: hello.epoch, seq: seen.seq, since }));
    await back.next(isCall('away-missed', 'ended'));
    expect(back.calls().map((m) => [m.seq, m.call.ivrid, m.call.state])).toEqual([
      [seen.seq + 1, 'away-ringing', 'ringing'],
      [seen.seq + 2, 'away-missed', 'ringing'],
      [seen.seq + 3, 'away-missed', 'ended'],
    ]);
    expect(back.messages.some((m) => m.type === 'resync')).toBe(false);
    back.close();
  });

  it('after a relay restart, resynchronises from the call log: ringing calls ring, ended ones are missed', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'cont-'));
    const before = await relayIn(dataDir);
    await before.agents.add('A1', '', 'pw');
    const token = await signIn(before, 'A1', 'pw');
    const client = await AgentClient.connect(before, token);
    const { epoch } = await client.next(isHello);
    const since = Date.now();
    client.close();
    await whileAway(before);
    await before.stop();
    relays = [];

    const after = await relayIn(dataDir);
    const back = await AgentClient.connect(after, token);
    const hello = await back.next(isHello);
    expect(hello.epoch).not.toBe(epoch);
    back.ws.send(JSON.stringify({ type: 'resume', epoch, seq: 0, since }));
    const resync = await back.next((m) => m.type === 'resync');
    expect(resync).toMatchObject({ type: 'resync', complete: true });
    await back.next(isCall('away-missed'));
    expect(back.calls().map((m) => [m.call.ivrid, m.call.state, m.call.answeredBy])).toEqual([
      ['away-ringing', 'ringing', null],
      ['away-missed', 'ended', null],
    ]);
    back.close();
  });

  it('says continuity was lost when the gap is longer than the window', async () => {
    const relay = await relayIn(mkdtempSync(join(tmpdir(), 'cont-')));
    await relay.agents.add('A1', '', 'pw');
    const client = await AgentClient.connect(relay, await signIn(relay, 'A1', 'pw'));
    await client.next(isHello);
    client.ws.send(JSON.stringify({ type: 'resume', epoch: 'an-old-relay', seq: 7, since: Date.now() - 10 * 60_000 }));
    expect(await client.next((m) => m.type === 'resync')).toMatchObject({ complete: false });
    client.close();
  });
});
