import { createServer, connect, type AddressInfo, type Socket } from 'node:net';

/**
 * A TCP proxy on 127.0.0.1 in front of a real server (PostgreSQL, Redis), so a test can cut the
 * connection without stopping the machine's shared server:
 * - `cut()` drops every connection and refuses new ones (the server's host is down: resets);
 * - `blackhole()` keeps every connection open and accepts new ones, but nothing passes either way
 *   (a partition, a failover's dead address: no reset, only silence);
 * - `slow(ms)` delays every chunk each way by `ms` (a server that answers, slowly);
 * - `restore()` lets everything through again (connections held by the blackhole are dropped).
 */
export interface TcpProxy {
  port: number;
  /** The target's URL with this proxy's host and port. */
  url(target: string): string;
  cut(): void;
  blackhole(): void;
  slow(ms: number): void;
  restore(): void;
  close(): Promise<void>;
}

type Mode = { kind: 'open'; delayMs: number } | { kind: 'cut' } | { kind: 'blackhole' };

export async function tcpProxy(targetHost: string, targetPort: number): Promise<TcpProxy> {
  const open = new Set<Socket>();
  let mode: Mode = { kind: 'open', delayMs: 0 };
  const dropAll = () => {
    for (const s of open) s.destroy();
    open.clear();
  };
  const forward = (from: Socket, to: Socket) =>
    from.on('data', (chunk: Buffer) => {
      if (mode.kind !== 'open') return;
      // The same delay for every chunk keeps them in order (timers of equal length run in turn).
      if (mode.delayMs > 0) setTimeout(() => to.write(chunk), mode.delayMs);
      else to.write(chunk);
    });
  const server = createServer((client) => {
    if (mode.kind === 'cut') return void client.destroy();
    open.add(client);
    client.on('error', () => client.destroy()).on('close', () => open.delete(client));
    if (mode.kind === 'blackhole') return;
    const upstream = connect(targetPort, targetHost);
    open.add(upstream);
    const end = () => {
      client.destroy();
      upstream.destroy();
      open.delete(client);
      open.delete(upstream);
    };
    client.on('close', end);
    upstream.on('error', end).on('close', end);
    forward(client, upstream);
    forward(upstream, client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    url(target) {
      const u = new URL(target);
      u.hostname = '127.0.0.1';
      u.port = String(port);
      return u.toString();
    },
    cut() {
      mode = { kind: 'cut' };
      dropAll();
    },
    blackhole() {
      mode = { kind: 'blackhole' };
    },
    slow(ms) {
      mode = { kind: 'open', delayMs: ms };
    },
    restore() {
      if (mode.kind === 'blackhole') dropAll();
      mode = { kind: 'open', delayMs: 0 };
    },
    close: () =>
      new Promise((resolve) => {
        dropAll();
        server.close(() => resolve());
      }),
  };
}
