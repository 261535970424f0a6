import { existsSync } from 'node:fs';
import type { Server } from 'node:http';
import { projectPath } from '../platform/project-root';
import { ensureWritableDataDir } from '../platform/data-dir';
import { buildAdvice, relayCommand, sourcesPresent } from '../platform/invocation';
import { FIRST_ADMIN } from '../accounts/admins';
import { createRelay, type Relay } from '../app';
import { EXTENSION_ID, type Config } from '../platform/config';
import { countUnhandledRejections } from '../platform/unhandled-rejections';

/** The relay could not listen where its settings say: one line for the supervisor, no stack trace. */
export class ListenError extends Error {}

/**
 * `npm start`: listens, prints what a supervisor needs (addresses, the pop-up URL, the
 * extension, the console and, until the first administrator has signed in, that administrator's
 * password), and stops cleanly on SIGTERM/SIGINT.
 */
export async function startCommand(config: Config): Promise<void> {
  ensureWritableDataDir(config.RELAY_DATA_DIR);
  const relay = await createRelay(config);
  const { server, popupServer, log } = relay;
  countUnhandledRejections(log);
  await relay.admins.ensureFirst();
  // Shown at every start until it was used or changed: a first start that failed, or whose output was lost, loses nothing.
  const firstPassword = await relay.admins.pendingFirstPassword();
  let ports: { main: number; popup: number | null };
  try {
    ports = await listenAll(config, server, popupServer);
  } catch (err) {
    await relay.close();
    throw err;
  }
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'relay stopping');
    // 1012: service restart. Extensions reconnect (with jitter) to the relay that comes back.
    relay.sockets.close(1012, 'relay restarting');
    relay.endLiveViews();
    const servers = [server, ...(popupServer ? [popupServer] : [])];
    Promise.all(servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))))
      .then(() => relay.close())
      .then(
        () => process.exit(0),
        (err: unknown) => {
          log.error({ err: (err as Error).message }, 'relay did not stop cleanly');
          process.exit(1);
        },
      );
    for (const s of servers) s.closeIdleConnections();
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
  // Printed once it can be stopped: whoever reads it may stop it at once.
  log.info({ port: ports.main, host: config.HOST, popupPort: ports.popup ?? undefined }, 'relay started');
  // One write, the first administrator's password last: a JSON log line (written on its own schedule) can come before or after, never in between.
  process.stdout.write(`${startText(config, relay, ports, firstPassword).join('\n')}\n`);
}

/** The main port, then the pop-up port when set; a port that cannot be had closes what was opened and says why. */
async function listenAll(config: Config, server: Server, popupServer: Server | null): Promise<{ main: number; popup: number | null }> {
  const main = await listen(server, config.PORT, config.HOST, ['PORT', 'HOST']);
  if (!popupServer) return { main, popup: null };
  try {
    return { main, popup: await listen(popupServer, config.RELAY_POPUP_PORT!, popupHost(config), ['RELAY_POPUP_PORT', config.RELAY_POPUP_HOST ? 'RELAY_POPUP_HOST' : 'HOST']) };
  } catch (err) {
    await new Promise((resolve) => server.close(resolve));
    throw err;
  }
}

const popupHost = (config: Config) => config.RELAY_POPUP_HOST ?? config.HOST;

/** Listens; resolves to the port (the one given, or the one the system chose for 0). */
function listen(server: Server, port: number, host: string, names: [port: string, host: string]): Promise<number> {
  return new Promise((resolve, reject) => {
    const failed = (err: NodeJS.ErrnoException) => reject(new ListenError(listenProblem(err, port, host, names)));
    server.once('error', failed);
    server.listen(port, host, () => {
      server.off('error', failed);
      const address = server.address();
      resolve(typeof address === 'object' && address ? address.port : port);
    });
  });
}

/** Why the relay cannot listen, naming the settings to change. */
function listenProblem(err: NodeJS.ErrnoException, port: number, host: string, [portName, hostName]: [string, string]): string {
  const where = `${portName}=${port}, ${hostName}=${host}`;
  switch (err.code) {
    case 'EADDRINUSE':
      return `Cannot start: port ${port} on ${host} is already in use by another program (${where}). Stop that program, or set ${portName} to a free port.`;
    case 'EACCES':
      return `Cannot start: this user may not listen on port ${port} (${where}). Ports below 1024 need privileges: set ${portName} to 1024 or above (and put a proxy in front), or grant node the cap_net_bind_service capability.`;
    case 'EADDRNOTAVAIL':
    case 'ENOTFOUND':
      return `Cannot start: ${host} is not an address of this machine (${where}). Set ${hostName} to one of its addresses, or 0.0.0.0 for all.`;
    default:
      return `Cannot start: cannot listen on port ${port} of ${host} (${where}): ${err.message}`;
  }
}

/** `http://localhost:8080` for an address that listens on every interface, else the address itself. */
function baseUrl(config: Config, host: string, port: number): string {
  const shown = isWildcard(host) ? 'localhost' : host.includes(':') ? `[${host}]` : host;
  return `${config.RELAY_TLS_CERT ? 'https' : 'http'}://${shown}:${port}`;
}

const isWildcard = (host: string) => host === '0.0.0.0' || host === '::';
const interfaces = (host: string) => (isWildcard(host) ? ` (all interfaces: ${host})` : '');

/**
 * How the agents get the extension. In a checkout, the built folder is on the supervisor's disk to
 * load unpacked; in the container image that folder is inside the container, so the signed CRX the
 * relay serves (force-installed by policy) comes first and the folder is named as something to copy out.
 */
function extensionText(folder: string, installationId: string, base: string): string[] {
  const entry = `the policy's ExtensionInstallForcelist entry: ${installationId};${base}/extension/updates.xml`;
  if (sourcesPresent()) {
    return [
      `Extension for the agents: in Chrome, load unpacked from ${folder} (id ${EXTENSION_ID})`,
      `Or install it on managed Chromes by policy (force-install): it then has this installation's own id, ${installationId},`,
      `  from its signing key; ${entry}`,
    ];
  }
  return [
    `Extension for the agents: install it on managed Chromes by policy (force-install), signed with this installation's key (id ${installationId});`,
    `  ${entry}`,
    `  or load unpacked a copy of ${folder} taken out of this installation (id ${EXTENSION_ID}; e.g. docker cp <container>:${folder} .)`,
  ];
}

/** What `npm start` prints once it listens (README "Start it" shows it as printed). */
export function startText(config: Config, relay: Pick<Relay, 'token' | 'installationExtensionId'>, ports: { main: number; popup: number | null }, firstPassword: string | null): string[] {
  const base = baseUrl(config, config.HOST, ports.main);
  const popupBase = ports.popup === null ? base : baseUrl(config, popupHost(config), ports.popup);
  const extension = projectPath('dist/extension');
  const lines = [
    `Relay listening on ${base}${interfaces(config.HOST)}`,
    ...(ports.popup === null ? [] : [`Pop-up port listening on ${popupBase}${interfaces(popupHost(config))}: Voicenter's URLs (/voicenter/…) only`]),
    `Voicenter pop-up URL: ${popupBase}/voicenter/${relay.token}`,
    "  (use the address Voicenter or the agents' browsers reach instead of localhost)",
    `Console: ${base}/`,
    ...(existsSync(extension) ? extensionText(extension, relay.installationExtensionId, base) : [`Extension: not built yet; ${buildAdvice()}`]),
  ];
  if (firstPassword) {
    lines.push(
      '',
      "  ┌ The console's first administrator",
      `  │ sign in as "${FIRST_ADMIN}" with the password ${firstPassword}`,
      `  └ shown at each start until "${FIRST_ADMIN}" signs in; another one: ${relayCommand('admin passwd')}`,
      '',
    );
  }
  return lines;
}
