import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import dbus from 'dbus-next';

const PATH = '/org/freedesktop/Notifications';
const IFACE = 'org.freedesktop.Notifications';

/** One notification as Chromium handed it to the desktop. */
export interface ShownNotification {
  id: number;
  summary: string;
  body: string;
  /** Pairs of action key and label, e.g. ["default", "", "0", "Open in CRM"]. */
  actions: string[];
  closed: boolean;
}

/**
 * A desktop notification server (the org.freedesktop.Notifications D-Bus API, spec 1.2) on a
 * private session bus. Chromium on Linux, headless too, shows notifications through it, so a test
 * sees what the agent would see and can click it: ActionInvoked fires the extension's real onClicked.
 */
export class NotificationServer {
  readonly shown = new Map<number, ShownNotification>();
  /** Every Notify call in order, as Chromium sent it (a new notification, or one replaced). */
  readonly notifies: { id: number; summary: string; body: string }[] = [];
  /** Called on every Notify, as it arrives (benchmarks time it). */
  onNotify: ((n: ShownNotification) => void) | undefined;
  private nextId = 1;

  private constructor(
    readonly address: string,
    private readonly daemon: ChildProcess,
    private readonly bus: dbus.MessageBus,
    private readonly dir: string,
  ) {}

  static async start(): Promise<NotificationServer> {
    const dir = mkdtempSync(join(tmpdir(), 'e2e-dbus-'));
    const daemon = spawn('dbus-daemon', ['--session', '--nofork', '--print-address=1', `--address=unix:path=${join(dir, 'bus')}`], {
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    const address = await new Promise<string>((resolve, reject) => {
      let out = '';
      daemon.once('error', (err) => reject(new Error(`cannot start dbus-daemon (apt-get install dbus): ${err.message}`)));
      daemon.stdout.on('data', (d: Buffer) => {
        out += d.toString();
        if (out.includes('\n')) resolve(out.trim().split('\n')[0]!);
      });
    });
    const bus = dbus.sessionBus({ busAddress: address });
    const server = new NotificationServer(address, daemon, bus, dir);
    bus.addMethodHandler((msg: dbus.Message) => server.handle(msg));
    const reply = await bus.requestName(IFACE, 0);
    if (reply !== dbus.RequestNameReply.PRIMARY_OWNER) throw new Error('could not own org.freedesktop.Notifications');
    return server;
  }

  /** Notifications still on screen. */
  open(): ShownNotification[] {
    return [...this.shown.values()].filter((n) => !n.closed);
  }

  /** Clicks the notification's body, as a person does. */
  click(id: number, action = 'default'): void {
    this.bus.send(dbus.Message.newSignal(PATH, IFACE, 'ActionInvoked', 'us', [id, action]));
  }

  async stop(): Promise<void> {
    this.bus.disconnect();
    const exited = new Promise((resolve) => this.daemon.once('exit', resolve));
    this.daemon.kill();
    await exited;
    rmSync(this.dir, { recursive: true, force: true });
  }

  private handle(msg: dbus.Message): boolean {
    if (msg.path !== PATH || msg.interface !== IFACE) return false;
    const reply = (signature: string, body: unknown[]) => this.bus.send(dbus.Message.newMethodReturn(msg, signature, body));
    switch (msg.member) {
      case 'GetCapabilities':
        reply('as', [['actions', 'body', 'persistence']]);
        return true;
      case 'GetServerInformation':
        reply('ssss', ['e2e-notification-server', 'voicenter-screen-pop', '1', '1.2']);
        return true;
      case 'Notify': {
        const [, replacesId, , summary, body, actions] = msg.body as [string, number, string, string, string, string[]];
        const id = replacesId > 0 && this.shown.has(replacesId) ? replacesId : this.nextId++;
        const shown = { id, summary, body, actions, closed: false };
        this.shown.set(id, shown);
        this.notifies.push({ id, summary, body });
        reply('u', [id]);
        this.onNotify?.(shown);
        return true;
      }
      case 'CloseNotification': {
        const [id] = msg.body as [number];
        const n = this.shown.get(id);
        if (n) n.closed = true;
        reply('', []);
        // Reason 3: closed by a call to CloseNotification.
        this.bus.send(dbus.Message.newSignal(PATH, IFACE, 'NotificationClosed', 'uu', [id, 3]));
        return true;
      }
      default:
        return false;
    }
  }
}
