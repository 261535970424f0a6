import { Writable } from 'node:stream';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import type { Logger } from '../platform/log';
import type { ServerMessage } from '../../shared/messages';

/** A relay's log kept as parsed lines, to assert what it said (and how often). */
export function capturedLog(): { log: Logger; lines: Record<string, unknown>[]; said: (pattern: RegExp) => Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString().split('\n')) if (line.trim()) lines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  return { log: pino({ level: 'info' }, stream), lines, said: (pattern) => lines.filter((l) => pattern.test(String(l.msg))) };
}

/** A plain client on the relays' key prefix: the test writes junk where the relays read. */
export function junkWriter(url: string, prefix: string): Redis {
  const raw = new Redis(url, { keyPrefix: prefix, maxRetriesPerRequest: 1 });
  raw.on('error', () => undefined);
  return raw;
}

export const isCall = (ivrid: string, state?: string) => (m: ServerMessage): m is Extract<ServerMessage, { type: 'call' }> =>
  m.type === 'call' && m.call.ivrid === ivrid && (state === undefined || m.call.state === state);
export const isHello = (m: ServerMessage): m is Extract<ServerMessage, { type: 'hello' }> => m.type === 'hello';
