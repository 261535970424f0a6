import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { VoicenterRealtime } from '../voicenter/realtime-source';
import { Console, PASSWORD } from './console-client';
import { endlessServer, NEAR_THE_CAP } from './endless-answer';
import { extensionEvent, extensionStatus, GOOD_TOKEN, queue, queueEvent, startFakeVoicenter, waitingCall, type FakeVoicenter } from './fake-voicenter';
import { AgentClient, eventually, popup, signIn, startRelay, type TestRelay } from './helpers';

/**
 * Voicenter's Real-Time API as a call source, against the local fake built from
 * ../shared/VOICENTER-REALTIME.md (relay/tests/fake-voicenter.ts). Waits are the note's, shortened.
 */
const FAST = { keepaliveMs: 200, silenceMs: 600, reconnectMs: [50, 100], loginRetryMs: 50, loginRetryMaxMs: 400, refreshBeforeMs: 100, connectTimeoutMs: 2_000 };

let fake: FakeVoicenter;
let relay: TestRelay | undefined;

beforeEach(async () => {
  fake = await startFakeVoicenter();
});
afterEach(async () => {
  await relay?.stop();
  relay = undefined;
  await fake.close();
});

async function relayOn(token = GOOD_TOKEN, timings = FAST): Promise<{ relay: TestRelay; agent: AgentClient }> {
  relay = await startRelay({}, { voicenter: { realtime: { token, loginUrl: fake.loginUrl }, click2call: null, extensions: null }, realtimeTimings: timings });
  await relay.agents.add('KGpK4iWq', 'Dana Cohen', 'pw-dana');
  await relay.directory.upsert({ id: 'c-1', name: 'Noa Bar', company: 'Globex', url: '', phones: ['0501234567'] });
  const agent = await AgentClient.connect(relay, await signIn(relay, 'KGpK4iWq', 'pw-dana'));
  return { relay, agent };
}

const connectedTo = (server: number) => eventually(() => Promise.resolve(fake.servers[server]!.clients().length), (n) => n === 1, `a client on monitor ${server}`);

describe("Voicenter's Real-Time API as a call source", () => {
  it('logs in with the token, connects to the main server, and a NEWCALL pops for the agent like a pop-up request', async () => {
    const { relay, agent } = await relayOn();
    await connectedTo(0);
    expect(fake.requests[0]).toEqual({ path: '/monitorAPI/Login/Token', token: GOOD_TOKEN });
    expect(fake.servers[0]!.clients()[0]!.token).toBe('socket-token-1');
    fake.servers[0]!.emit('ExtensionEvent', extensionEvent('NEWCALL', { ivrid: 'rt-1' }));
    const ringing = await agent.next((m) => m.type === 'call' && m.call.ivrid === 'rt-1');
    expect(ringing).toMatchObject({ call: { state: 'ringing', direction: 'incoming', callerName: 'Queue Testing', identity: { name: 'Noa Bar' } } });
    fake.servers[0]!.emit('ExtensionEvent', extensionEvent('ANSWER', { ivrid: 'rt-1' }));
    fake.servers[0]!.emit('ExtensionEvent', extensionEvent('HANGUP', { ivrid: 'rt-1', cause: 'Normal hangup' }));
    await agent.next((m) => m.type === 'call' && m.call.ivrid === 'rt-1' && m.call.state === 'ended');
    expect(agent.calls('rt-1').map((m) => m.call.state)).toEqual(['ringing', 'talking', 'ended']);
    expect(relay.realtime!.status().state).toBe('connected');
    agent.close();
  });

  it('a phase heard twice, or from both sources, counts once; a late phase after the hang-up changes nothing', async () => {
    const { relay, agent } = await relayOn();
    await connectedTo(0);
    const monitor = fake.servers[0]!;
    // The pop-up URL first, then the same phase from the Real-Time API, twice.
    await popup(relay, { ivrid: 'rt-2', extenUser: 'KGpK4iWq', status: 'Ringing', direction: 'Incoming', phone: '0501234567' });
    monitor.emit('ExtensionEvent', extensionEvent('NEWCALL', { ivrid: 'rt-2' }));
    monitor.emit('ExtensionEvent', extensionEvent('NEWCALL', { ivrid: 'rt-2' }));
    monitor.emit('ExtensionEvent', extensionEvent('HANGUP', { ivrid: 'rt-2', cause: 'No user responding' }));
    monitor.emit('ExtensionEvent', extensionEvent('ANSWER', { ivrid: 'rt-2' }));
    await agent.next((m) => m.type === 'call' && m.call.ivrid === 'rt-2' && m.call.state === 'ended');
    // A later call on the same connection shows everything before it was handled.
    monitor.emit('ExtensionEvent', extensionEvent('NEWCALL', { ivrid: 'rt-3' }));
    await agent.next((m) => m.type === 'call' && m.call.ivrid === 'rt-3');
    expect(agent.calls('rt-2').map((m) => m.call.state)).toEqual(['ringing', 'ended']);
    agent.close();
  });

  it("the supervisor's Live page: callers waiting per queue (found by the lookup chain) and each phone's status", async () => {
    const monitor = fake.servers[0]!;
    monitor.greeting.extensions = [extensionStatus('KGpK4iWq', 1, 'Dana Cohen')];
    const { relay, agent } = await relayOn();
    await connectedTo(0);
    // loginStatus lists who is already waiting: a caller the directory knows, for 40 s.
    monitor.emit('loginStatus', { queues: [queue(14520, 'Sales', [waitingCall('q-1', '0501234567', 40)])], servertime: Math.floor(Date.now() / 1000), servertimeoffset: 120 });
    await relay.admins.setPassword('admin', PASSWORD);
    const events = await (await Console.signIn(relay)).floorEvents();
    try {
      const known = await events.next((f) => f.queues?.[0]?.callers[0]?.identity?.status === 'found');
      const sales = known.queues![0]!;
      expect(sales).toMatchObject({ id: '14520', name: 'Sales', answered: 0, abandoned: 0 });
      expect(sales.callers[0]).toMatchObject({ ivrid: 'q-1', phone: { e164: '+972501234567' }, identity: { name: 'Noa Bar', company: 'Globex' } });
      expect(Date.now() - sales.callers[0]!.joinedAt).toBeGreaterThanOrEqual(40_000);
      expect(known.agents[0]!.phone?.status).toBe('logged-in');

      // Another joins; the first is answered; the second hangs up waiting.
      monitor.emit('QueueEvent', queueEvent('JOIN', queue(14520, 'Sales', [waitingCall('q-1', '0501234567', 45), waitingCall('q-2', '0529999999')])));
      await events.next((f) => f.queues![0]!.callers.length === 2);
      monitor.emit('QueueEvent', queueEvent('ANSWER', queue(14520, 'Sales', [waitingCall('q-2', '0529999999', 3)])));
      monitor.emit('QueueEvent', queueEvent('ABANDONED', queue(14520, 'Sales', [])));
      const after = await events.next((f) => f.queues![0]!.abandoned === 1);
      expect(after.queues![0]).toMatchObject({ answered: 1, abandoned: 1, callers: [] });

      // The agent goes on a break (userStatusUpdate), then logs out of the phone.
      const onBreak = extensionEvent('userStatusUpdate', { ivrid: 'x' }) as { data: { representativeStatus: number } };
      onBreak.data.representativeStatus = 4;
      monitor.emit('ExtensionEvent', onBreak);
      await events.next((f) => f.agents[0]!.phone?.status === 'break');
      onBreak.data.representativeStatus = 2;
      monitor.emit('ExtensionEvent', onBreak);
      await events.next((f) => f.agents[0]!.phone?.status === 'logged-out');
      // A queue event that does not parse changes nothing and the connection stays.
      monitor.emit('QueueEvent', { reason: 'JOIN', data: { QueueName: 'no id' } });
      monitor.emit('QueueEvent', queueEvent('JOIN', queue(14520, 'Sales', [waitingCall('q-3', '0501234567')])));
      await events.next((f) => f.queues![0]!.callers[0]?.ivrid === 'q-3');
      expect(relay.realtime!.status().state).toBe('connected');
    } finally {
      events.close();
      agent.close();
    }
  });

  it('drops unreadable events and unknown reasons, logged with the event name, and stays connected', async () => {
    const lines: string[] = [];
    const log = pino({ level: 'warn' }, { write: (line: string) => void lines.push(line) });
    const monitor = fake.servers[0]!;
    const events: string[] = [];
    const source = new VoicenterRealtime({ loginUrl: fake.loginUrl, token: GOOD_TOKEN, log, timings: FAST, onEvent: (e) => Promise.resolve(void events.push(`${e.ivrid}:${e.phase}`)) });
    source.start();
    try {
      await connectedTo(0);
      for (const bad of [null, 'text', { reason: 'NEWCALL' }, { reason: 'NEWCALL', data: { extenUser: 7 } }, { reason: 'NEWCALL', data: { extenUser: 'x', currentCall: { ivrid: ['a'] } } }]) {
        monitor.emit('ExtensionEvent', bad);
      }
      monitor.emit('ExtensionEvent', extensionEvent('TRANSFERWHATEVER', { ivrid: 'rt-4' }));
      monitor.emit('ExtensionEvent', extensionEvent('NEWCALL', { ivrid: 'rt-5' }));
      await eventually(() => Promise.resolve(events), (e) => e.length === 1, 'the good event');
      expect(events).toEqual(['rt-5:ringing']);
      const dropped = lines.map((l) => JSON.parse(l) as { msg: string; event?: string }).filter((l) => l.msg === 'Voicenter Real-Time API: event dropped');
      expect(dropped).toHaveLength(5);
      expect(dropped.every((l) => l.event === 'ExtensionEvent')).toBe(true);
      expect(source.status().state).toBe('connected');
    } finally {
      source.stop();
    }
  });

  it('a wrong token: a clear error, retried with a growing wait, never a crash loop', async () => {
    const lines: { msg: string; err?: string; retryInMs?: number }[] = [];
    const log = pino({ level: 'error' }, { write: (line: string) => void lines.push(JSON.parse(line) as (typeof lines)[number]) });
    const source = new VoicenterRealtime({ loginUrl: fake.loginUrl, token: 'wrong', log, timings: FAST, onEvent: () => Promise.resolve() });
    source.start();
    try {
      await eventually(() => Promise.resolve(lines.length), (n) => n >= 3, 'three failed logins');
      expect(lines[0]).toMatchObject({ msg: 'Voicenter Real-Time API: login failed', err: 'Voicenter refused the Real-Time API token (HTTP 401)' });
      const waits = lines.map((l) => l.retryInMs!);
      expect(waits.slice(0, 3)).toEqual([200, 400, 400]);
      expect(source.status().state).toBe('waiting');
      // Never the token in a log line.
      expect(JSON.stringify(lines)).not.toContain('wrong"');
    } finally {
      source.stop();
    }
  });

  it('a login whose answer never ends: read no further than 64 KB, said in words, retried, never a crash', async () => {
    const endless = await endlessServer({ prefix: '{"Data":{"Socket":{"Token":"' });
    const lines: { msg: string; err?: string }[] = [];
    const log = pino({ level: 'error' }, { write: (line: string) => void lines.push(JSON.parse(line) as (typeof lines)[number]) });
    const source = new VoicenterRealtime({ loginUrl: `${endless.url}/monitorAPI/Login/Token`, token: GOOD_TOKEN, log, timings: FAST, onEvent: () => Promise.resolve() });
    source.start();
    try {
      await eventually(() => Promise.resolve(lines.length), (n) => n >= 2, 'two failed logins');
      expect(lines[0]).toMatchObject({ msg: 'Voicenter Real-Time API: login failed', err: expect.stringMatching(/^Voicenter's login answer \(127\.0\.0\.1:\d+\) cannot be read: answer larger than 65536 bytes$/) as string });
      expect(source.status().state).toBe('waiting');
      await endless.ended(2);
      expect(endless.gaveUp()).toBe(0);
      expect(endless.sent()).toBeLessThan(2 * NEAR_THE_CAP);
    } finally {
      source.stop();
      await endless.close();
    }
  });

  it('refreshes the socket token before it expires and reconnects with the new one', async () => {
    await fake.close();
    fake = await startFakeVoicenter({ tokenLifeMs: 400 });
    const source = new VoicenterRealtime({ loginUrl: fake.loginUrl, token: GOOD_TOKEN, log: pino({ level: 'silent' }), timings: FAST, onEvent: () => Promise.resolve() });
    source.start();
    try {
      await eventually(() => Promise.resolve(fake.servers[0]!.clients().map((c) => c.token)), (t) => t.includes('socket-token-2'), 'a client with the refreshed token');
      expect(fake.requests.slice(0, 2)).toEqual([
        { path: '/monitorAPI/Login/Token', token: GOOD_TOKEN },
        { path: '/monitorAPI/RefreshIdentityToken', token: 'refresh-socket-token-1' },
      ]);
    } finally {
      source.stop();
    }
  });

  it('a dropped server: the next one; a silent server (no keepalive answer): the next one after the silence', async () => {
    const source = new VoicenterRealtime({ loginUrl: fake.loginUrl, token: GOOD_TOKEN, log: pino({ level: 'silent' }), timings: FAST, onEvent: () => Promise.resolve() });
    source.start();
    try {
      await connectedTo(0);
      fake.servers[0]!.dropAll();
      await connectedTo(1);
      // The second server hangs: keepalives go unanswered, and after the silence it is left for the main one.
      fake.servers[1]!.silent = true;
      await connectedTo(0);
      expect(fake.servers[1]!.keepalives).toBeGreaterThan(0);
      await eventually(() => Promise.resolve(fake.servers[1]!.clients().length), (n) => n === 0, 'the silent server left');
    } finally {
      source.stop();
    }
  });
});
