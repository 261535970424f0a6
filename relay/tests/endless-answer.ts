import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A server whose every answer is a 200 with a JSON body that never ends, written as fast as the
 * reader takes it (as an attacker's token endpoint or CRM would). It counts what the reader took;
 * past `giveUpAfter` bytes it ends the answer itself, so that a relay reading without bound fails
 * the test instead of taking the machine's memory.
 */
export interface EndlessServer {
  url: string;
  /** Bytes handed to the connection so far, over every answer. */
  sent(): number;
  /** Answers the reader closed before the server gave up. */
  cutOff(): number;
  /** Answers the server ended itself, the reader still reading. */
  gaveUp(): number;
  /** Resolves once `n` answers have ended, either way. */
  ended(n: number): Promise<void>;
  close(): Promise<void>;
}

const CHUNK = Buffer.alloc(64 * 1024, 'a');

export async function endlessServer(options: { giveUpAfter?: number; prefix?: string } = {}): Promise<EndlessServer> {
  const giveUpAfter = options.giveUpAfter ?? 64 * 1024 * 1024;
  let sent = 0;
  let cutOff = 0;
  let gaveUp = 0;
  const waiting: { n: number; resolve: () => void }[] = [];
  const settle = () => {
    for (const w of waiting.filter((w) => cutOff + gaveUp >= w.n)) w.resolve();
  };
  const answer = (res: ServerResponse) => {
    let mine = 0;
    let done = false;
    const end = (reader: boolean) => {
      if (done) return;
      done = true;
      if (reader) cutOff++;
      else gaveUp++;
      settle();
    };
    res.on('close', () => end(true));
    res.writeHead(200, { 'content-type': 'application/json' });
    res.write(options.prefix ?? '{"access_token":"');
    const pour = () => {
      while (!done && !res.destroyed) {
        if (mine >= giveUpAfter) {
          end(false);
          res.end('"}');
          return;
        }
        mine += CHUNK.byteLength;
        sent += CHUNK.byteLength;
        if (!res.write(CHUNK)) return void res.once('drain', pour);
      }
    };
    pour();
  };
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => answer(res));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    sent: () => sent,
    cutOff: () => cutOff,
    gaveUp: () => gaveUp,
    ended: (n) => new Promise<void>((resolve) => {
      waiting.push({ n, resolve });
      settle();
    }),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Under this, the reader stopped near its cap: the cap, and what the kernel's socket buffers held meanwhile. */
export const NEAR_THE_CAP = 16 * 1024 * 1024;
