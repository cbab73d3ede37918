import { Command } from 'commander';
import { commands } from './commands.js';
import { version } from '../contract/version.js';

const program = new Command('toolforge-tracing')
  .description('Dependency tracing for Toolforge and Cloud VPS')
  .version(version)
  .showHelpAfterError()
  .enablePositionalOptions();

for (const register of commands) register(program);

try {
  await program.parseAsync(process.argv);
} catch (err) {
  process.stderr.write(`toolforge-tracing: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
}
