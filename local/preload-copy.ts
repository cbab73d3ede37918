import { cp } from 'node:fs/promises';
import path from 'node:path';
import { builtPreloadPath } from '../preload/command.js';

/**
 * Copies the built preload as the webhook's init container does, to a path ending in
 * `/toolforge-tracing/preload.cjs` like the pods' mount: the agent knows a preloaded process
 * by that path in its NODE_OPTIONS and leaves its calls to the preload.
 */
export async function copyPreload(runDir: string): Promise<string> {
  const built = builtPreloadPath();
  const dir = path.join(runDir, 'toolforge-tracing');
  await cp(path.dirname(built), dir, { recursive: true });
  return path.join(dir, path.basename(built));
}
