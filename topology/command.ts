/** `toolforge-tracing topology ...`: ask the classifier what a destination is called, check a rules file. */
import { InvalidArgumentError, type Command } from 'commander';

import { classifyDestination, classifyPath, isProfileName, PROFILE_NAMES, profileByName, withExtraRules, type DestinationTarget, type Profile } from './index.js';
import { loadRulesFile } from './rules-file.js';

interface ProfileOptions {
  profile: string;
  rules?: string;
}

function profileName(value: string): string {
  if (!isProfileName(value)) throw new InvalidArgumentError(`must be one of ${PROFILE_NAMES.join(', ')}`);
  return value;
}

async function profileFrom(options: ProfileOptions): Promise<Profile> {
  const profile = profileByName(options.profile);
  return options.rules === undefined ? profile : withExtraRules(profile, await loadRulesFile(options.rules));
}

/** `https://host:port/path` gives host, port and path; anything else is taken as the host as a client knew it. */
export function targetFromArgument(argument: string, dbName?: string): DestinationTarget {
  let target: DestinationTarget = { host: argument };
  if (argument.includes('://')) {
    let url: URL;
    try {
      url = new URL(argument);
    } catch {
      throw new Error(`${JSON.stringify(argument)} is not a valid URL`);
    }
    target = { host: url.hostname, path: url.pathname };
    if (url.port !== '') target.port = Number(url.port);
  }
  if (dbName !== undefined) target.dbName = dbName;
  return target;
}

export function registerTopologyCommand(program: Command): void {
  const topology = program.command('topology').description('destination names: what a host or path is called in the dependency graph');
  const withProfile = (command: Command): Command =>
    command
      .option('--profile <name>', `profile: ${PROFILE_NAMES.join(', ')}`, profileName, 'toolforge')
      .option('--rules <file>', 'extra rules file (YAML or JSON), consulted before the built-in rules');

  withProfile(
    topology
      .command('classify')
      .description('print the node, kind and detail of each destination, one JSON object per line')
      .argument('<destination...>', 'host, host:port, [v6]:port, IP or URL')
      .option('--db-name <name>', 'the database the client uses (names the wiki on a Wiki Replicas section host)'),
  ).action(async (destinations: string[], options: ProfileOptions & { dbName?: string }) => {
    const profile = await profileFrom(options);
    for (const destination of destinations) {
      const result = classifyDestination(targetFromArgument(destination, options.dbName), profile);
      process.stdout.write(`${JSON.stringify({ destination, ...result })}\n`);
    }
  });

  withProfile(
    topology
      .command('classify-path')
      .description('print what an NFS path a process opens depends on (null: no shared dependency)')
      .argument('<path...>', 'absolute file path'),
  ).action(async (paths: string[], options: ProfileOptions) => {
    const profile = await profileFrom(options);
    for (const path of paths) process.stdout.write(`${JSON.stringify({ path, ...(classifyPath(path, profile) ?? { node: null }) })}\n`);
  });

  topology
    .command('check-rules')
    .description('validate an extra rules file; prints every problem by rule index and field')
    .argument('<file>', 'rules file (YAML or JSON)')
    .action(async (file: string) => {
      const rules = await loadRulesFile(file);
      process.stdout.write(`${file}: ${rules.length} rule${rules.length === 1 ? '' : 's'}, valid\n`);
    });
}
