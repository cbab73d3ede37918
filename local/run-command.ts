import { spawn } from 'node:child_process';
import { appendFile, readFile } from 'node:fs/promises';
import { constants } from 'node:os';
import path from 'node:path';
import { builtPreloadPath } from '../preload/command.js';
import { isValidToolName } from '../topology/index.js';
import { findBinary } from './binaries.js';
import { readInstance } from './instance-lock.js';
import { passwdLine, type Account } from './private-namespace.js';

export interface RunInLocalOptions {
  command: string[];
  tool: string | undefined;
  stateDir: string;
  log(line: string): void;
}

/** Accounts of programs run with `local run` get uids from here (the demo's are below). */
const FIRST_RUN_UID = 53500;
const RUN_UIDS = 400;

/** The tool name a program appears as: --tool, else its file name made a valid tool name. */
export function toolNameFor(command: string, explicit: string | undefined): string {
  const name = explicit ?? path.basename(command).toLowerCase().replace(/\.[a-z0-9]+$/, '').replace(/[^a-z0-9-]+/g, '-').replace(/^-+|-+$/g, '');
  if (!isValidToolName(name)) throw new Error(`${JSON.stringify(name)} is not a valid tool name: give one with --tool NAME`);
  return name;
}

/** A stable uid per tool name, so a second run of the same tool is the same account. */
export function runUid(tool: string): number {
  let hash = 0;
  for (const char of tool) hash = (hash * 31 + char.charCodeAt(0)) >>> 0;
  return FIRST_RUN_UID + (hash % RUN_UIDS);
}

/**
 * Runs a program in the running `local` pipeline and returns its exit code. Node programs
 * load the preload through NODE_OPTIONS (as the webhook injects it); as root, the program
 * runs as the account `tools.<tool>`, added to the passwd file of the run's namespace, where
 * the agent resolves it; without root the agent is not running and only Node programs are seen.
 */
export async function runInLocal(options: RunInLocalOptions): Promise<number> {
  const instance = await readInstance(options.stateDir);
  if (instance?.otlpEndpoint === undefined) {
    throw new Error(`no toolforge-tracing local is running with state folder ${options.stateDir}: start one first (scripts/start, or toolforge-tracing local)`);
  }
  const [program, ...args] = options.command;
  if (program === undefined) throw new Error('no command given: toolforge-tracing local run [--tool NAME] -- COMMAND [ARGS...]');
  const tool = toolNameFor(program, options.tool);
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    NODE_OPTIONS: [`--require ${instance.preload ?? builtPreloadPath()}`, process.env.NODE_OPTIONS].filter(Boolean).join(' '),
    OTEL_SERVICE_NAME: tool,
    OTEL_RESOURCE_ATTRIBUTES: `toolforge.tool=${tool},k8s.namespace.name=tool-${tool}`,
    OTEL_EXPORTER_OTLP_ENDPOINT: instance.otlpEndpoint,
    OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf',
    OTEL_BSP_SCHEDULE_DELAY: '1000',
    TOOLFORGE_TRACING_PROFILE: 'toolforge',
  };
  let command = program;
  let commandArgs = args;
  const setpriv = findBinary('setpriv');
  if (process.getuid?.() === 0 && instance.passwdFile !== undefined && setpriv !== undefined) {
    const account: Account = { name: `tools.${tool}`, uid: runUid(tool) };
    const known = await readFile(instance.passwdFile, 'utf8').catch(() => '');
    if (!known.includes(passwdLine(account))) await appendFile(instance.passwdFile, passwdLine(account));
    command = setpriv;
    commandArgs = [`--reuid=${account.uid}`, `--regid=${account.uid}`, '--clear-groups', '--', program, ...args];
    options.log(`running ${program} as ${account.name} (uid ${account.uid}); see it at ${instance.url ?? 'the local UI'}`);
  } else {
    options.log(`running ${program} as tool ${tool} (Node programs through the preload; the agent is not running for others)`);
  }
  const child = spawn(command, commandArgs, { stdio: 'inherit', env });
  const forward = (signal: NodeJS.Signals): void => {
    child.kill(signal);
  };
  process.on('SIGINT', forward);
  process.on('SIGTERM', forward);
  const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve, reject) => {
    child.once('error', (error) => reject(new Error(`cannot run ${program}: ${error.message}`)));
    child.once('close', (c, s) => resolve([c, s]));
  });
  process.removeListener('SIGINT', forward);
  process.removeListener('SIGTERM', forward);
  // A program killed by a signal exits as a shell reports it: 128 + the signal's number.
  return code ?? 128 + (signal !== null ? (constants.signals[signal] ?? 0) : 0);
}
