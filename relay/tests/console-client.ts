import { expect } from 'vitest';
import { CONSOLE_HEADER, CONSOLE_SESSION_COOKIE as SESSION_COOKIE, type Floor } from '../../shared/console';
import { applyFloorChanges, type FloorChanges } from '../../shared/floor-changes';
import type { TestRelay } from './helpers';

export const PASSWORD = 'console-password';

/** A console session like the page's: the cookie from sign-in, the console header on changes. */
export class Console {
  constructor(
    private readonly relay: TestRelay,
    private readonly cookie: string,
  ) {}

  /** Signs in as `admin` (set the password first: `relay.admins.setPassword('admin', PASSWORD)`). */
  static signIn(relay: TestRelay, password = PASSWORD): Promise<Console> {
    return Console.signInAs(relay, 'admin', password);
  }

  static async signInAs(relay: TestRelay, username: string, password: string): Promise<Console> {
    const res = await fetch(`${relay.url}/console/api/session`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', [CONSOLE_HEADER]: '1' },
      body: JSON.stringify({ username, password }),
    });
    expect(res.status).toBe(201);
    const cookie = res.headers.get('set-cookie')!;
    expect(cookie).toMatch(new RegExp(`^${SESSION_COOKIE}=[\\w-]+; .*HttpOnly`));
    expect(cookie).toMatch(/SameSite=Strict/);
    return new Console(relay, cookie.split(';')[0]!);
  }

  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- each test reads the JSON shape of its own endpoint
  async call(path: string, init: { method?: string; json?: unknown; body?: string; type?: string } = {}): Promise<{ status: number; body: any; text: string; headers: Headers }> {
    const headers: Record<string, string> = { cookie: this.cookie, [CONSOLE_HEADER]: '1' };
    if (init.json !== undefined) headers['content-type'] = 'application/json';
    if (init.type) headers['content-type'] = init.type;
    const res = await fetch(`${this.relay.url}/console/api${path}`, {
      method: init.method ?? 'GET',
      headers,
      body: init.json !== undefined ? JSON.stringify(init.json) : init.body,
    });
    const text = await res.text();
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      body = undefined;
    }
    return { status: res.status, body, text, headers: res.headers };
  }

  /** The live floor's server-sent events, read from a real streaming response, changes applied as the page does; `bytes`: read so far. */
  async floorEvents(): Promise<{ next(predicate: (f: Floor) => boolean): Promise<Floor>; close(): void; bytes(): number }> {
    const controller = new AbortController();
    const res = await fetch(`${this.relay.url}/console/api/floor/events`, { headers: { cookie: this.cookie }, signal: controller.signal });
    expect(res.headers.get('content-type')).toBe('text/event-stream');
    const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
    let buffer = '';
    let floor: Floor | undefined;
    let bytes = 0;
    return {
      bytes: () => bytes,
      async next(predicate) {
        const deadline = Date.now() + 5_000;
        for (;;) {
          let end: number;
          while ((end = buffer.indexOf('\n\n')) >= 0) {
            const block = buffer.slice(0, end);
            buffer = buffer.slice(end + 2);
            const data = /^data: (.*)$/m.exec(block)?.[1];
            if (/^event: floor$/m.test(block) && data) floor = JSON.parse(data) as Floor;
            else if (/^event: changes$/m.test(block) && data && floor) floor = applyFloorChanges(floor, JSON.parse(data) as FloorChanges);
            else continue;
            if (predicate(floor)) return floor;
          }
          if (Date.now() > deadline) throw new Error('no such floor event within 5 s');
          let timer: NodeJS.Timeout | undefined;
          const late = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error('no such floor event within 5 s')), deadline - Date.now())));
          const { value, done } = await Promise.race([reader.read(), late]).finally(() => clearTimeout(timer));
          if (done) throw new Error('event stream ended');
          bytes += Buffer.byteLength(value);
          buffer += value;
        }
      },
      close: () => controller.abort(),
    };
  }
}
