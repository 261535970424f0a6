// Room relay/tests/: tests that span rooms (a real relay on port 0, real HTTP and WebSocket clients) and their helpers.
import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { WebSocket } from 'ws';
import { AUTH_PROTOCOL_PREFIX, PROTOCOL, parseServerMessage, type ServerMessage } from '../../shared/messages';
import { createRelay, type Relay, type RelayOptions } from '../app';
import { makeConfig, type Config } from '../platform/config';

export interface TestRelay extends Relay {
  url: string;
  popupUrl: string;
  dataDir: string;
  stop(): Promise<void>;
}

/** A real relay on 127.0.0.1 and a free port, with its database in a fresh temp dir. */
export async function startRelay(overrides: Partial<Config> = {}, options: RelayOptions = {}): Promise<TestRelay> {
  const dataDir = overrides.RELAY_DATA_DIR ?? mkdtempSync(join(tmpdir(), 'relay-test-'));
  const config = makeConfig({ HOST: '127.0.0.1', PORT: 0, RELAY_DATA_DIR: dataDir, ...overrides });
  const relay = await createRelay(config, { log: pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' }), ...options });
  await new Promise<void>((resolve) => relay.server.listen(config.PORT, '127.0.0.1', resolve));
  const { port } = relay.server.address() as AddressInfo;
  const url = `http://127.0.0.1:${port}`;
  // The token getter kept live (a spread would copy its value once): the console can rotate it.
  return Object.defineProperty<TestRelay>({
    ...relay,
    url,
    popupUrl: `${url}/voicenter/${relay.token}`,
    dataDir,
    async stop() {
      relay.sockets.close();
      relay.server.closeAllConnections();
      await new Promise<void>((resolve) => relay.server.close(() => resolve()));
      await relay.close();
      if (!overrides.RELAY_DATA_DIR) rmSync(dataDir, { recursive: true, force: true });
    },
  }, 'token', { get: () => relay.token });
}

export async function signIn(relay: { url: string }, extenUser: string, password: string): Promise<string> {
  const res = await fetch(`${relay.url}/api/sessions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ extenUser, password }),
  });
  if (res.status !== 201) throw new Error(`sign-in failed: ${res.status} ${await res.text()}`);
  return ((await res.json()) as { token: string }).token;
}

/** A WebSocket client like the extension's: every message validated, waited for by predicate. */
export class AgentClient {
  readonly messages: ServerMessage[] = [];
  readonly invalid: string[] = [];
  closeCode: number | undefined;
  private waiters: (() => void)[] = [];

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data) => {
      const text = (data as Buffer).toString();
      const message = parseServerMessage(text);
      if (message) this.messages.push(message);
      else this.invalid.push(text);
      this.wake();
    });
    ws.on('close', (code) => {
      this.closeCode = code;
      this.wake();
    });
  }

  static connect(relay: { url: string }, token: string, origin?: string): Promise<AgentClient> {
    const ws = new WebSocket(`${relay.url.replace('http', 'ws')}/ws`, [PROTOCOL, `${AUTH_PROTOCOL_PREFIX}${token}`], {
      headers: origin ? { origin } : {},
    });
    const client = new AgentClient(ws);
    return new Promise((resolve, reject) => {
      ws.once('open', () => resolve(client));
      ws.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
      ws.once('error', reject);
    });
  }

  /** Waits until a message satisfies `predicate` (or the socket closes, or the deadline passes). */
  async next<T extends ServerMessage>(predicate: (m: ServerMessage) => m is T, timeoutMs?: number): Promise<T>;
  async next(predicate: (m: ServerMessage) => boolean, timeoutMs?: number): Promise<ServerMessage>;
  async next(predicate: (m: ServerMessage) => boolean, timeoutMs = 5_000): Promise<ServerMessage> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.messages.find(predicate);
      if (found) return found;
      if (this.closeCode !== undefined) throw new Error(`socket closed (${this.closeCode}) before the message came`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error('no such message before the deadline');
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  closed(timeoutMs = 5_000): Promise<number> {
    return new Promise((resolve, reject) => {
      if (this.closeCode !== undefined) return resolve(this.closeCode);
      const timer = setTimeout(() => reject(new Error('socket still open at the deadline')), timeoutMs);
      this.ws.once('close', (code) => {
        clearTimeout(timer);
        resolve(code);
      });
    });
  }

  calls(ivrid?: string) {
    return this.messages.filter(
      (m): m is Extract<ServerMessage, { type: 'call' }> => m.type === 'call' && (ivrid === undefined || m.call.ivrid === ivrid),
    );
  }

  close(): void {
    this.ws.close();
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
  }
}

/** Sends a pop-up request as JSON; returns status and parsed body. */
export async function popup(
  relay: { popupUrl: string },
  fields: Record<string, unknown>,
  format: 'json' | 'form' | 'query' = 'json',
): Promise<{ status: number; body: Record<string, unknown>; headers: Headers }> {
  let res: Response;
  if (format === 'query') {
    res = await fetch(`${relay.popupUrl}?${new URLSearchParams(fields as Record<string, string>).toString()}`);
  } else if (format === 'form') {
    res = await fetch(relay.popupUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(fields as Record<string, string>).toString(),
    });
  } else {
    res = await fetch(relay.popupUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(fields),
    });
  }
  return { status: res.status, body: (await res.json()) as Record<string, unknown>, headers: res.headers };
}

/** Polls `read` until `check` holds; at the deadline fails saying what it waited for and what it last saw. */
export async function eventually<T>(read: () => Promise<T>, check: (value: T) => boolean, what: string, deadlineMs = 15_000): Promise<T> {
  const deadline = Date.now() + deadlineMs;
  for (;;) {
    const value = await read();
    if (check(value)) return value;
    if (Date.now() > deadline) throw new Error(`${what}: not by the deadline (last seen: ${JSON.stringify(value)})`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
