import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { accessSync, constants, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { connect, createServer, type AddressInfo } from 'node:net';
import { delimiter, join } from 'node:path';
import { tmpdir } from 'node:os';

/**
 * Debian's nginx (/usr/sbin/nginx, else `nginx` on PATH) as a process of the test's own, for
 * checking deploy/nginx.conf as it is: a main configuration, temp paths, pid and logs in a fresh
 * temp dir, the site file included as the compose file's nginx image includes it (in `http`).
 */
export function nginxBinary(): string | null {
  const candidates = ['/usr/sbin/nginx', ...(process.env.PATH ?? '').split(delimiter).filter(Boolean).map((d) => join(d, 'nginx'))];
  for (const path of candidates) {
    try {
      accessSync(path, constants.X_OK);
      return path;
    } catch {
      // not this one
    }
  }
  return null;
}

/** A port nothing listens on now: listened on (port 0) and closed again. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** `from` replaced by `to`, where `from` is in `text` exactly once; else the file changed and the test must follow. */
export function replaceOnce(text: string, from: string, to: string, file: string): string {
  const found = text.split(from).length - 1;
  if (found !== 1) {
    throw new Error(`${file} changed: the test expects \`${from}\` in it exactly once, found ${found} — update relay/tests/deploy-nginx.test.ts to follow the file`);
  }
  return text.replace(from, () => to);
}

export interface NginxProcess {
  base: string;
  port: number;
  dir: string;
  /** error.log so far, for failure messages. */
  errorLog(): string;
  /** `what`, then error.log's content when there is any. */
  explain(what: string): string;
  stop(): Promise<void>;
}

/** Polls a TCP connect to 127.0.0.1:port until it is accepted, the process ends, or the deadline passes. */
async function waitForPort(port: number, child: ChildProcess, why: () => string, deadlineMs = 10_000): Promise<void> {
  const deadline = Date.now() + deadlineMs;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(why());
    const accepted = await new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1');
      socket.setTimeout(1_000, () => socket.destroy());
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('close', () => resolve(false));
      socket.once('error', () => undefined);
    });
    if (accepted) return;
    if (Date.now() > deadline) throw new Error(why());
    // A refused connect answers at once: a short pause between tries keeps this from spinning.
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** nginx on `port` (127.0.0.1) with `site` (a server/upstream file's text) included in `http`. */
export async function startNginx(binary: string, site: string, port: number): Promise<NginxProcess> {
  const dir = mkdtempSync(join(tmpdir(), 'nginx-'));
  const errorLogPath = join(dir, 'error.log');
  const errorLog = () => (existsSync(errorLogPath) ? readFileSync(errorLogPath, 'utf8') : '');
  const explain = (what: string) => {
    const log = errorLog().trim();
    return log ? `${what}\nnginx error.log:\n${log}` : what;
  };
  writeFileSync(join(dir, 'site.conf'), site);
  // As root, nginx's workers switch to `nobody`, who cannot enter the run's temp root (mkdtemp
  // makes it 0700, and it is not this test's to open up): workers that cannot reach their temp
  // paths would fail proxied bodies too large for memory. So the workers stay root here — and
  // only here: as another user nginx warns that `user` makes sense only for root, and ignores it.
  const user = process.getuid?.() === 0 ? 'user root;\n' : '';
  const conf = `${user}worker_processes 1;
pid ${join(dir, 'nginx.pid')};
error_log ${errorLogPath} warn;
# SIGQUIT waits for open connections (an agent's WebSocket): not longer than this.
worker_shutdown_timeout 2s;
events {}
http {
  client_body_temp_path ${join(dir, 'client_body')};
  proxy_temp_path ${join(dir, 'proxy')};
  fastcgi_temp_path ${join(dir, 'fastcgi')};
  uwsgi_temp_path ${join(dir, 'uwsgi')};
  scgi_temp_path ${join(dir, 'scgi')};
  access_log off;
  include ${join(dir, 'site.conf')};
}
`;
  const confPath = join(dir, 'nginx.conf');
  writeFileSync(confPath, conf);
  // -e: the log nginx writes before it has read error_log (else /var/log/nginx/error.log).
  const args = ['-p', dir, '-e', errorLogPath, '-c', confPath];
  const test = spawnSync(binary, [...args, '-t'], { encoding: 'utf8', timeout: 10_000 });
  if (test.status !== 0) {
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`nginx -t refused the configuration (exit ${test.status ?? test.signal}):\n${test.stderr}${test.error ? String(test.error) : ''}`);
  }
  // A process group of its own: the SIGKILL fallback reaches the workers too, not the master only.
  const child = spawn(binary, [...args, '-g', 'daemon off;'], { stdio: ['ignore', 'ignore', 'pipe'], detached: true });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const ended = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const running = () => child.exitCode === null && child.signalCode === null;
  const stop = async () => {
    if (running()) {
      child.kill('SIGQUIT');
      let timer: NodeJS.Timeout | undefined;
      const late = new Promise<'late'>((resolve) => (timer = setTimeout(() => resolve('late'), 5_000)));
      if ((await Promise.race([ended, late])) === 'late') {
        try {
          process.kill(-child.pid!, 'SIGKILL');
        } catch {
          // already gone
        }
        await ended;
      }
      clearTimeout(timer);
    }
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await waitForPort(port, child, () =>
      explain(`nginx did not listen on 127.0.0.1:${port}${running() ? ' by the deadline' : ` (it exited: ${child.exitCode ?? child.signalCode})`}${stderr ? `\nstderr:\n${stderr}` : ''}`),
    );
  } catch (err) {
    await stop();
    throw err;
  }
  return { base: `http://127.0.0.1:${port}`, port, dir, errorLog, explain, stop };
}

/** GET `path` from the local address `from` (any 127.x address is this machine): the status. */
export function getFrom(base: string, path: string, from: string, headers: Record<string, string> = {}): Promise<number> {
  const { hostname, port } = new URL(base);
  return new Promise((resolve, reject) => {
    const req = request({ host: hostname, port, path, localAddress: from, agent: false, headers }, (res) => {
      res.resume();
      resolve(res.statusCode!);
    });
    req.once('error', reject);
    req.end();
  });
}
