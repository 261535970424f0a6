import type { Socket } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ERRORS } from '../../shared/errors';
import { MAX_KEPT_PER_AGENT } from '../push/outbox';
import { AgentClient, popup, signIn, startRelay, type TestRelay } from './helpers';

let relay: TestRelay;

beforeEach(async () => {
  relay = await startRelay({ RELAY_MAX_SOCKETS_PER_AGENT: 10, RELAY_MAX_MESSAGES_PER_MINUTE: 100_000 });
  await relay.agents.add('A1', 'Dana', 'pw');
});

afterEach(async () => {
  await relay.stop();
});

async function until(what: string, done: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!done()) {
    if (Date.now() > deadline) throw new Error(`not yet at the deadline: ${what}`);
    await new Promise((resolve) => setImmediate(resolve));
  }
}

describe('an agent flooding resumes', () => {
  it('gets its connections closed after a few resumes each, and the replay store stays bounded', async () => {
    const token = await signIn(relay, 'A1', 'pw');
    // Calls in the last two minutes, so that each resume from another epoch resyncs them all.
    for (let i = 0; i < 40; i++) await popup(relay, { ivrid: `flood-${i}`, phone: '0501234567', extenUser: 'A1', status: 'Ringing' });
    const clients = await Promise.all(Array.from({ length: 10 }, () => AgentClient.connect(relay, token)));
    const resume = JSON.stringify({ type: 'resume', epoch: 'another-epoch', seq: 0, since: 1 });
    for (const c of clients) for (let i = 0; i < 600; i++) c.ws.send(resume);
    const codes = await Promise.all(clients.map((c) => c.closed(15_000)));
    expect(codes).toEqual(Array(10).fill(ERRORS.TOO_MANY.close));
    expect(relay.delivery.kept()).toBeLessThanOrEqual(MAX_KEPT_PER_AGENT);
    // The relay goes on serving Voicenter and the agent.
    expect((await popup(relay, { ivrid: 'after-flood', phone: '0501234567', extenUser: 'A1', status: 'Ringing' })).status).toBe(200);
    const again = await AgentClient.connect(relay, token);
    again.close();
  });
});

describe('an extension that does not read', () => {
  it('is cut off once more than 1 MB waits unsent for it, with the slow-consumer close code on the way', async () => {
    const token = await signIn(relay, 'A1', 'pw');
    const reader = await AgentClient.connect(relay, token);
    const stalled = await AgentClient.connect(relay, token);
    (stalled.ws as unknown as { _socket: Socket })._socket.pause();
    const agentId = (await relay.agents.get('A1'))!.id;
    const big = JSON.stringify({ type: 'ping', time: 0, pad: 'x'.repeat(256 * 1024) });
    let sends = 0;
    // Keep sending until the relay lets go of the stalled socket (the kernel takes some first).
    const allOpen = () => relay.sockets.clients().every((ws) => ws.readyState === ws.OPEN);
    while (allOpen()) {
      relay.sockets.send(agentId, big);
      if (++sends > 400) throw new Error('the stalled socket was never cut off');
      await new Promise((resolve) => setImmediate(resolve));
    }
    await until('one socket left', () => relay.sockets.stats().sockets === 1);
    expect(relay.sockets.stats()).toEqual({ agents: 1, sockets: 1 });
    // The socket that reads was not touched.
    expect(reader.closeCode).toBeUndefined();
    (stalled.ws as unknown as { _socket: Socket })._socket.resume();
    expect([ERRORS.SLOW_CONSUMER.close, 1006]).toContain(await stalled.closed());
    reader.close();
  });
});
