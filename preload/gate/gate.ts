/**
 * Decides, before any SDK code is loaded, whether the preload starts. Kept free of
 * syntax newer than ES2017 because the entry file is parsed by every Node a tool may
 * run, including the node12/node16 images Toolforge still has.
 */
import { DISABLED_ENV } from '../../contract/preload-env.js';
import { unreadableNotice } from '../../contract/preload-read-grant.js';

export type GateDecision = { start: true } | { start: false; message?: string };

/** module.register (needed for ESM apps) exists from 18.19 and 20.6. */
export function isSupportedNode(version: string): boolean {
  const parts = version.replace(/^v/, '').split('.');
  const major = Number(parts[0]);
  const minor = Number(parts[1]);
  if (!(major >= 0) || !(minor >= 0)) return false;
  if (major === 18) return minor >= 19;
  if (major === 20) return minor >= 6;
  return major >= 21;
}

function isTrue(v: string | undefined): boolean {
  return v !== undefined && v.trim().toLowerCase() === 'true';
}

/** What the Node.js permission model (`--permission`, Node 20's `--experimental-permission`) lets the app do; undefined when it is off. */
export interface Permissions {
  /** The preload's directory may be read. */
  readsPreload: boolean;
  dir: string;
}

/**
 * `isMainThread` is false in worker threads, including the one module.register runs
 * loader hooks in: it inherits NODE_OPTIONS, and a second SDK there would only cost.
 * Under the permission model the SDK must be readable: Node 22 and 24 let the
 * `--require`d entry be read whatever the flags say, but not the files it loads.
 */
export function gate(env: Record<string, string | undefined>, nodeVersion: string, isMainThread: boolean, permissions?: Permissions): GateDecision {
  if (!isMainThread) return { start: false };
  if (isTrue(env[DISABLED_ENV]) || isTrue(env.OTEL_SDK_DISABLED)) return { start: false };
  if (!isSupportedNode(nodeVersion)) {
    return {
      start: false,
      message: `toolforge-tracing: Node.js ${nodeVersion} is not supported (needs 18.19+, 20.6+ or 22+); tracing is off, the app runs normally`,
    };
  }
  if (permissions !== undefined && !permissions.readsPreload) {
    return { start: false, message: unreadableNotice(permissions.dir) };
  }
  return { start: true };
}
