import { existsSync } from 'node:fs';
import { projectPath } from '../platform/project-root';
import { FIRST_ADMIN } from '../accounts/admins';
import { createRelay } from '../app';
import { EXTENSION_ID, type Config } from '../platform/config';

/**
 * `npm start`: listens, prints what a supervisor needs (addresses, the pop-up URL, the
 * extension, the console and, on the first start, the administrator's password), and stops
 * cleanly on SIGTERM/SIGINT.
 */
export async function startCommand(config: Config): Promise<void> {
  const relay = await createRelay(config);
  const { server, log } = relay;
  // Made before listening, printed last: the one secret of the first start must not hide between log lines.
  const firstPassword = await relay.admins.ensureFirst();
  server.listen(config.PORT, config.HOST, () => {
    const address = server.address();
    const port = typeof address === 'object' && address ? address.port : config.PORT;
    log.info({ port, host: config.HOST }, 'relay started');
    const shown = config.HOST === '0.0.0.0' || config.HOST === '::' ? 'localhost' : config.HOST;
    const base = `${config.RELAY_TLS_CERT ? 'https' : 'http'}://${shown}:${port}`;
    const extension = projectPath('dist/extension');
    const lines = [
      `Relay listening on ${base} (all interfaces: ${config.HOST})`,
      `Voicenter pop-up URL: ${base}/voicenter/${relay.token}`,
      "  (use the address Voicenter or the agents' browsers reach instead of localhost)",
      existsSync(extension) ? `Extension: load unpacked from ${extension} (id ${EXTENSION_ID})` : 'Extension: not built yet; run npm run build',
      `Extension signed with this installation's key (force-install): id ${relay.installationExtensionId}`,
      `Console: ${base}/`,
    ];
    if (firstPassword) {
      lines.push(
        '',
        "  ┌ First start: the console's administrator",
        `  │ sign in as "${FIRST_ADMIN}" with the password ${firstPassword}`,
        '  └ shown only now; change it with: npm run relay -- admin passwd',
        '',
      );
    }
    // One write: a JSON log line (written on its own schedule) can come before or after, never in between.
    process.stdout.write(`${lines.join('\n')}\n`);
  });
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'relay stopping');
    // 1012: service restart. Extensions reconnect (with jitter) to the relay that comes back.
    relay.sockets.close(1012, 'relay restarting');
    relay.endLiveViews();
    server.close(() => {
      void relay.close().then(() => process.exit(0));
    });
    server.closeIdleConnections();
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

