import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ERRORS } from '../shared/errors';
import { PROTOCOL, type ServerMessage } from '../shared/messages';
import type { Session } from './account';
import { RelayConnection, retryDelay, wsUrl } from './connection';
import { areas, resetFake } from './fake-browser';

vi.mock('./browser-api', () => import('./fake-browser'));
vi.mock('./toolbar', () => ({ trackOutage: vi.fn(() => Promise.resolve()), refreshToolbar: vi.fn(() => Promise.resolve()) }));

/** A WebSocket the test opens, feeds and closes. */
class FakeSocket {
  static readonly CONNECTING = 0;
  static readonly OPEN = 1;
  static made: FakeSocket[] = [];
  readyState = FakeSocket.CONNECTING;
  readonly sent: string[] = [];
  onopen: (() => void) | null = null;
  onmessage: ((event: { data: unknown }) => void) | null = null;
  onclose: ((event: { code: number }) => void) | null = null;
  constructor(
    readonly url: string,
    readonly protocols: string[],
  ) {
    FakeSocket.made.push(this);
  }
  send(data: string): void {
    this.sent.push(data);
  }
  close(): void {}
  open(): void {
    this.readyState = FakeSocket.OPEN;
    this.onopen?.();
  }
  drop(code: number): void {
    this.readyState = 3;
    this.onclose?.({ code });
  }
}

const session: Session = { relayUrl: 'https://a.example', relayUrls: ['https://a.example', 'https://b.example'], token: 'secret-token', extenUser: 'A1', name: '', expiresAt: 0 };

function setup() {
  const received: ServerMessage[] = [];
  const tasks: Promise<void>[] = [];
  const ended = vi.fn(() => Promise.resolve());
  const connection = new RelayConnection({
    received: (message) => received.push(message),
    serially: (task) => void tasks.push(task()),
    sessionEnded: ended,
  });
  return { connection, received, tasks, ended };
}

describe('wsUrl and retryDelay', () => {
  it('speaks wss to an https relay and ws to an http one, at /ws', () => {
    expect(wsUrl('https://a.example:8443')).toBe('wss://a.example:8443/ws');
    expect(wsUrl('http://a.example')).toBe('ws://a.example/ws');
  });

  it('doubles the wait once per round of relays, up to about 30 s, with jitter', () => {
    expect(retryDelay(0, 1, 1)).toBe(1_000);
    expect(retryDelay(3, 1, 1)).toBe(8_000);
    expect(retryDelay(3, 2, 1)).toBe(2_000);
    expect(retryDelay(20, 1, 1)).toBe(30_000);
    expect(retryDelay(0, 1, 0)).toBe(500);
  });
});

describe('RelayConnection', () => {
  beforeEach(() => {
    resetFake();
    FakeSocket.made = [];
    vi.stubGlobal('WebSocket', FakeSocket);
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
    vi.unstubAllGlobals();
  });

  it('says signed out and opens nothing without a session', async () => {
    const { connection } = setup();
    await connection.connect();
    expect(FakeSocket.made).toEqual([]);
    expect(areas.session.get('connection')).toMatchObject({ state: 'signed-out', problem: '' });
  });

  it('carries the token as a subprotocol, never in the URL, and hands on what the relay sends', async () => {
    areas.local.set('session', session);
    const { connection, received } = setup();
    await connection.connect();
    const [socket] = FakeSocket.made;
    expect(socket!.url).toBe('wss://a.example/ws');
    expect(socket!.protocols).toEqual([PROTOCOL, 'auth.secret-token']);
    socket!.open();
    socket!.onmessage?.({ data: JSON.stringify({ type: 'ping', time: 5 }) });
    socket!.onmessage?.({ data: '{"type":"not-in-the-protocol"}' });
    expect(received).toEqual([{ type: 'ping', time: 5 }]);
  });

  it('after a lost connection tries the next relay, counting the attempt', async () => {
    areas.local.set('session', session);
    const { connection, tasks } = setup();
    await connection.connect();
    FakeSocket.made[0]!.open();
    // As the relay's hello leaves it.
    areas.session.set('connection', { state: 'connected', problem: '', since: 0 });
    FakeSocket.made[0]!.drop(1006);
    await Promise.all(tasks);
    expect(areas.session.get('connection')).toMatchObject({ state: 'disconnected', problem: 'connection-lost' });
    expect(areas.session.get('attempt')).toBe(1);
    expect(areas.local.get('session')).toMatchObject({ relayUrl: 'https://b.example' });
    await vi.runOnlyPendingTimersAsync();
    expect(FakeSocket.made.at(-1)!.url).toBe('wss://b.example/ws');
  });

  it('ends the session when the relay closes with "session ended"', async () => {
    areas.local.set('session', session);
    const { connection, tasks, ended } = setup();
    await connection.connect();
    FakeSocket.made[0]!.open();
    FakeSocket.made[0]!.drop(ERRORS.SESSION_ENDED.close);
    await Promise.all(tasks);
    expect(ended).toHaveBeenCalledWith('session-ended');
  });

  it('does not ask a relay about a session that expired while the browser was closed', async () => {
    areas.local.set('session', { ...session, expiresAt: 1 });
    const { connection, ended } = setup();
    await connection.connect();
    expect(FakeSocket.made).toEqual([]);
    expect(ended).toHaveBeenCalledWith('session-ended');
  });

  it('sends its heartbeat as often as the relay said, only while open', async () => {
    areas.local.set('session', session);
    const { connection } = setup();
    await connection.connect();
    connection.heartbeat(1_000);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(FakeSocket.made[0]!.sent).toEqual([]);
    FakeSocket.made[0]!.open();
    await vi.advanceTimersByTimeAsync(1_000);
    expect(FakeSocket.made[0]!.sent.map((s) => JSON.parse(s).type)).toEqual(['ping']);
  });
});
