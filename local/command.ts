/** `toolforge-tracing local`: the whole pipeline on this machine, and `local run` to trace a program of yours in it. */
import { InvalidArgumentError, type Command } from 'commander';
import { loadLocalGraph, renderLocalMap } from './graph-source.js';
import { runInLocal } from './run-command.js';
import { defaultStateDir, runLocal } from './run-local.js';

function listenAddress(value: string): { host: string; port: number } {
  const match = /^(?:\[([0-9a-fA-F:]+)\]|([^:[\]]+)):(\d{1,5})$/.exec(value);
  const port = Number(match?.[3]);
  if (!match || port > 65535) throw new InvalidArgumentError('expected HOST:PORT, e.g. 127.0.0.1:8470');
  const host = match[1] ?? match[2]!;
  if (!/^(127\.\d+\.\d+\.\d+|::1|localhost)$/.test(host)) throw new InvalidArgumentError(`${host} is not a loopback address: the local UI serves loopback only`);
  return { host, port };
}

/** The port scripts/start's README line names. */
export const DEFAULT_LISTEN = { host: '127.0.0.1', port: 8470 };

const log = (line: string): void => {
  process.stderr.write(`[local] ${line}\n`);
};

export function registerLocalCommand(program: Command): void {
  const local = program
    .command('local')
    .description('run the whole pipeline on this machine (Prometheus, the collector, the eBPF agent as root) with the dependency map in a local web UI')
    .option('--demo', 'also run a demo fleet of Node, Python, PHP and shell tools using Toolforge stand-ins', false)
    .option('--listen <host:port>', 'where the UI listens, loopback only (default: 127.0.0.1:8470)', listenAddress)
    .option('--no-agent', 'do not start the eBPF agent (Node tools are still traced by the preload)')
    .option('--state-dir <dir>', 'where a run keeps its files and its lock', defaultStateDir())
    .action(async (opts: { demo: boolean; listen?: { host: string; port: number }; agent: boolean; stateDir: string }) => {
      await runLocal({ ...opts, listen: opts.listen ?? DEFAULT_LISTEN, loadGraph: loadLocalGraph, renderMap: renderLocalMap, log });
    });

  local
    .command('run')
    .description('run a program of yours in the running `local` pipeline: Node through the preload, anything else seen by the agent')
    .option('--tool <name>', 'the tool name it appears as (default: the program name)')
    .option('--state-dir <dir>', 'the state folder of the running `local`', defaultStateDir())
    .argument('<command...>', 'the program and its arguments (put them after --)')
    .action(async (command: string[], opts: { tool?: string; stateDir: string }) => {
      process.exitCode = await runInLocal({ command, tool: opts.tool, stateDir: opts.stateDir, log });
    });
}
