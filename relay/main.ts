import { runCommand } from './cli/commands';
import { ListenError, startCommand } from './cli/start';
import { ConfigError, loadConfig } from './platform/config';
import { DataDirError } from './platform/data-dir';
import { SchemaError } from './platform/schema';

/** `npm run relay -- <command>`: reads the command line and hands it to the command. */
const [command = 'start', ...rest] = process.argv.slice(2);
if (command === 'start') {
  try {
    const { config, unknown } = loadConfig();
    for (const key of unknown) console.error(`warning: unknown setting ${key} is ignored`);
    await startCommand(config);
  } catch (err) {
    if (err instanceof ListenError || err instanceof DataDirError) {
      // A port taken, a folder not writable: the machine's to mend, not a fault of the relay: one line, no stack trace.
      console.error(err.message);
      process.exitCode = 1;
    } else {
      console.error(err instanceof ConfigError || err instanceof SchemaError ? `Configuration error:\n${err.message}` : err);
      process.exitCode = 2;
    }
  }
} else {
  process.exitCode = await runCommand([command, ...rest], process.env, { out: (line) => console.log(line), err: (line) => console.error(line) });
}
