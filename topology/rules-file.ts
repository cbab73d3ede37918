/**
 * Reads an extra-rules file (YAML or JSON) for the programs that run on a host: the CLI and
 * the agent. The one module of topology/ that does I/O; not exported from index.ts, so the
 * preload bundle never carries it.
 */
import { readFile } from 'node:fs/promises';

import { parse } from 'yaml';

import { rulesFromConfig, TopologyConfigError, type ExtraRule } from './extra-rules.js';

export async function loadRulesFile(path: string): Promise<ExtraRule[]> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new Error(`cannot read rules file ${path}: ${(error as Error).message}`, { cause: error });
  }
  let config: unknown;
  try {
    config = parse(text, { prettyErrors: true });
  } catch (error) {
    throw new Error(`rules file ${path} is not valid YAML: ${(error as Error).message}`, { cause: error });
  }
  try {
    return rulesFromConfig(config);
  } catch (error) {
    if (error instanceof TopologyConfigError) throw new Error(`rules file ${path}: ${error.problems.join('; ')}`, { cause: error });
    throw error;
  }
}
