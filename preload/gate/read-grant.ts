import { PERMISSION_FLAGS, preloadReadGrant } from '../../contract/preload-read-grant.js';

/**
 * NODE_OPTIONS without the webhook's read grant for `preloadDir`, the rest written as it
 * was; undefined when it stays as it is: no grant, or NODE_OPTIONS itself turns the
 * permission model on (then every child inheriting it runs under the model and needs the grant).
 */
export function withoutReadGrant(nodeOptions: string, preloadDir: string): string | undefined {
  const grant = preloadReadGrant(preloadDir);
  const parts = nodeOptions.split(/(\s+)/); // words, and the whitespace between them
  if (!parts.includes(grant) || parts.some((word) => PERMISSION_FLAGS.includes(word))) return undefined;
  for (let i = parts.indexOf(grant); i !== -1; i = parts.indexOf(grant)) {
    // With the whitespace after it, or before it when it is the last word.
    if (i + 1 < parts.length) parts.splice(i, 2);
    else if (i === 0) parts.splice(i, 1);
    else parts.splice(i - 1, 2);
  }
  return parts.join('');
}

/**
 * Under the permission model, moves the grant from what children inherit (the environment)
 * to what only children under the model get (execArgv: see contract/preload-read-grant.ts).
 */
export function moveReadGrantToExecArgv(env: Record<string, string | undefined>, execArgv: string[], preloadDir: string): void {
  const options = env.NODE_OPTIONS;
  const rest = options === undefined ? undefined : withoutReadGrant(options, preloadDir);
  if (rest === undefined) return;
  env.NODE_OPTIONS = rest;
  execArgv.push(preloadReadGrant(preloadDir));
}
