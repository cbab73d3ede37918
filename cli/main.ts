import { Command } from 'commander';
import { commands } from './commands.js';
import { version } from '../contract/version.js';

const program = new Command('toolforge-tracing')
  .description('Dependency tracing for Toolforge and Cloud VPS')
  .version(version)
  .showHelpAfterError()
  .enablePositionalOptions();

// The named command only; anything else (--help, help, a typo) gets every command.
const name = process.argv[2];
const wanted = name !== undefined && Object.hasOwn(commands, name) ? [commands[name]!] : Object.values(commands);
for (const register of await Promise.all(wanted.map((load) => load()))) register(program);

try {
  await program.parseAsync(process.argv);
} catch (err) {
  process.stderr.write(`toolforge-tracing: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
}
