/**
 * The Node.js permission model (`--permission`; Node 20: `--experimental-permission`):
 * `process.permission` exists only while it is on. The preload starts only with what it
 * needs allowed, or not at all (one line says which flag turns it on): never half.
 */
interface PermissionApi {
  has(scope: 'fs.read' | 'worker', reference?: string): boolean;
}

export const permission: PermissionApi | undefined = (process as { permission?: PermissionApi }).permission;

/** module.register runs an ESM app's loader hooks in a worker thread. */
export const WORKERS_DENIED =
  'toolforge-tracing: the permission model does not allow worker threads, which tracing an ES module app needs; tracing is off, the app runs normally (--allow-worker turns it on)';
