import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { ServerMessage } from '../../shared/messages';
import { AgentClient, popup, signIn, startRelay, type TestRelay } from './helpers';

/**
 * A call the extension still shows ringing, over while the browser was away for longer than the
 * replay window (or while the relay restarted): the resync tells its end, though its last news is
 * older than what a resync looks back over. The window is shortened so that "longer" is a moment.
 */
type Hello = Extract<ServerMessage, { type: 'hello' }>;
type Call = Extract<ServerMessage, { type: 'call' }>;
const isHello = (m: ServerMessage): m is Hello => m.type === 'hello';
const isCall = (ivrid: string, state?: string) => (m: ServerMessage): m is Call =>
  m.type === 'call' && m.call.ivrid === ivrid && (state === undefined || m.call.state === state);
const WINDOW_MS = 300;

let relays: TestRelay[] = [];
afterEach(async () => {
  for (const r of relays) await r.stop();
  relays = [];
});

async function relayIn(dataDir: string): Promise<TestRelay> {
  const relay = await startRelay({ RELAY_DATA_DIR: dataDir }, { replayWindowMs: WINDOW_MS });
  relays.push(relay);
  return relay;
}

/** Signed in, a call ringing at the agent, then the browser gone: what it had processed last. */
async function ringingThenAway(relay: TestRelay): Promise<{ token: string; hello: Hello; seen: Call }> {
  await relay.agents.add('A1', '', 'pw');
  await relay.agents.add('B2', '', 'pw');
  const token = await signIn(relay, 'A1', 'pw');
  const client = await AgentClient.connect(relay, token);
  const hello = await client.next(isHello);
  await popup(relay, { ivrid: 'rang-while-here', extenUser: 'A1', phone: '0722776772', status: 'Ringing' });
  const seen = await client.next(isCall('rang-while-here', 'ringing'));
  client.close();
  await client.closed();
  // Another agent's call, which this agent names too: it is told nothing of it.
  await popup(relay, { ivrid: 'someone-elses', extenUser: 'B2', phone: '0501234567', status: 'Ringing' });
  await popup(relay, { ivrid: 'rang-while-here', extenUser: 'A1', status: 'Hangup', cause: 'NO ANSWER' });
  return { token, hello, seen };
}

/** Until the relay has forgotten every message it could have replayed. */
async function pastTheWindow(relay: TestRelay): Promise<void> {
  // (The hang-up's message was kept from when it was heard: once it is forgotten, the hang-up is older than what a resync looks back over.)
  await expect.poll(() => (relay.delivery.prune(), relay.delivery.kept()), { timeout: 5_000, interval: 50 }).toBe(0);
}

/** A new call for the agent, once here: whatever the relay sent before it has arrived too (one socket, in order). */
async function fence(relay: TestRelay, client: AgentClient): Promise<void> {
  await popup(relay, { ivrid: 'fence', extenUser: 'A1', phone: '0541112222', status: 'Ringing' });
  await client.next(isCall('fence'));
}

describe('a resync and the calls the extension still shows open', () => {
  it('past the replay window: the call that ended meanwhile comes with the resync, ended; another agent\'s does not', async () => {
    const relay = await relayIn(mkdtempSync(join(tmpdir(), 'resync-open-')));
    const { token, hello, seen } = await ringingThenAway(relay);
    await pastTheWindow(relay);

    const back = await AgentClient.connect(relay, token);
    await back.next(isHello);
    back.ws.send(JSON.stringify({ type: 'resume', epoch: hello.epoch, seq: seen.seq, since: Date.now() - 60_000, open: ['rang-while-here', 'someone-elses', 'never-heard-of'] }));
    const resync = await back.next((m): m is Extract<ServerMessage, { type: 'resync' }> => m.type === 'resync');
    expect(resync).toMatchObject({ complete: false });
    const ended = await back.next(isCall('rang-while-here', 'ended'));
    expect(ended.call).toMatchObject({ answeredBy: null, state: 'ended' });
    // Numbered after the resync's line, as the resync's calls are.
    expect(ended.seq).toBeGreaterThan(resync.seq ?? Infinity);
    await fence(relay, back);
    expect(back.calls().map((m) => m.call.ivrid)).toEqual(['rang-while-here', 'fence']);
    back.close();
  });

  it('without naming it, the resync leaves it out: its news is older than the window', async () => {
    const relay = await relayIn(mkdtempSync(join(tmpdir(), 'resync-open-')));
    const { token, hello, seen } = await ringingThenAway(relay);
    await pastTheWindow(relay);

    const back = await AgentClient.connect(relay, token);
    await back.next(isHello);
    back.ws.send(JSON.stringify({ type: 'resume', epoch: hello.epoch, seq: seen.seq, since: Date.now() - 60_000 }));
    await back.next((m) => m.type === 'resync');
    await fence(relay, back);
    expect(back.calls().map((m) => m.call.ivrid)).toEqual(['fence']);
    back.close();
  });

  it('the relay restarted meanwhile (no replay at all): the call\'s end is read back from the call log', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'resync-open-'));
    const before = await relayIn(dataDir);
    const { token, hello, seen } = await ringingThenAway(before);
    await pastTheWindow(before);
    await before.stop();
    relays = [];
    const after = await relayIn(dataDir);

    const back = await AgentClient.connect(after, token);
    expect((await back.next(isHello)).epoch).not.toBe(hello.epoch);
    back.ws.send(JSON.stringify({ type: 'resume', epoch: hello.epoch, seq: seen.seq, since: Date.now() - 60_000, open: ['rang-while-here'] }));
    expect((await back.next(isCall('rang-while-here'))).call.state).toBe('ended');
    back.close();
  });

  it('refuses a resume naming more calls than an extension keeps', async () => {
    const relay = await relayIn(mkdtempSync(join(tmpdir(), 'resync-open-')));
    await relay.agents.add('A1', '', 'pw');
    const client = await AgentClient.connect(relay, await signIn(relay, 'A1', 'pw'));
    const hello = await client.next(isHello);
    client.ws.send(JSON.stringify({ type: 'resume', epoch: hello.epoch, seq: 0, since: 0, open: Array.from({ length: 101 }, (_, i) => `c-${i}`) }));
    expect(await client.closed()).toBe(4400);
  });
});
