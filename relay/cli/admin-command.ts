import { parseArgs } from 'node:util';
import { adminNameSchema, Admins, FIRST_ADMIN, NoSuchAdminError } from '../accounts/admins';
import { newPassword } from '../accounts/secrets';
import type { Config } from '../platform/config';
import { relayCommand } from '../platform/invocation';
import { chosenPassword, PASSWORD_OPTIONS, UsageError, withRelayThrottle, withStore, type CliIo } from './common';

const ADMIN_USAGE = 'admin passwd [--user NAME] [--password PW | --password-stdin] | admin add NAME [--password PW | --password-stdin] | admin list | admin remove NAME';

/** `admin passwd|add|list|remove`: the console's administrators, on the data directory (also while the relay runs). */
export async function adminCommand(config: Config, args: string[], io: CliIo): Promise<number | void> {
  const { values, positionals } = parseArgs({ args, allowPositionals: true, options: { user: { type: 'string' }, ...PASSWORD_OPTIONS } });
  const [action, named] = positionals;
  if (action === 'list') return withStore(config, (store) => listAdmins(new Admins(store.sql, 0), io));
  if (action !== 'passwd' && action !== 'add' && action !== 'remove') throw new UsageError(ADMIN_USAGE);
  const username = action === 'passwd' ? (values.user ?? FIRST_ADMIN) : named;
  if (username === undefined) throw new UsageError(`admin ${action} NAME: which administrator?`);
  const name = adminNameSchema.safeParse(username);
  if (!name.success) throw new UsageError(name.error.issues[0]!.message);
  if (action === 'remove') {
    return withStore(config, async (store) => {
      await new Admins(store.sql, 0).remove(name.data);
      io.out(`Removed administrator ${name.data}; its console sessions are ended.`);
    });
  }
  const chosen = await chosenPassword(values, io);
  const password = chosen ?? newPassword();
  await withStore(config, async (store) => {
    if (action === 'add') {
      await new Admins(store.sql, 0).add(name.data, password);
      io.out(`Added administrator ${name.data}.`);
    } else {
      await withRelayThrottle(config, (throttle) => setAdminPassword(new Admins(store.sql, 0, throttle), name.data, password));
      io.out(`New console password set for ${name.data}; its console sessions are ended.`);
    }
  });
  if (!chosen) io.out(`Password: ${password}`);
}

/**
 * `admin passwd`: an existing administrator's new password. A name that is not one is refused
 * (a typo must not make a second administrator), but for `admin` on an installation that has
 * none yet (set up from the CLI before the relay's first start, which then makes none).
 */
async function setAdminPassword(admins: Admins, username: string, password: string): Promise<void> {
  if (username === FIRST_ADMIN && (await admins.count()) === 0) return admins.setPassword(username, password);
  try {
    await admins.changePassword(username, password);
  } catch (err) {
    if (!(err instanceof NoSuchAdminError)) throw err;
    const names = (await admins.list()).map((a) => a.username);
    throw new NoSuchAdminError(`no administrator ${username} (there are: ${names.join(', ') || 'none'}). To add one: ${relayCommand(`admin add ${username}`)}`);
  }
}

async function listAdmins(admins: Admins, io: CliIo): Promise<void> {
  for (const a of await admins.list()) io.out(`${a.username}\tadded ${new Date(a.createdAt).toISOString().slice(0, 10)}`);
}
