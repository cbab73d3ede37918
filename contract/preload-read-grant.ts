/**
 * The Node.js permission-model grant the webhook adds to NODE_OPTIONS, in front of the
 * preload's entry, when every Node a container visibly starts runs under the permission
 * model (webhook/permission-model.ts): without it the preload cannot be read (with
 * `--require`, Node 20 then does not start, nor Node 22 and 24 with `-e` code; the
 * `--import` gate of webhook/preload-entry.ts leaves the app untraced). Unless NODE_OPTIONS itself
 * turns the model on, the preload moves the grant from its process's NODE_OPTIONS to
 * `process.execArgv` (preload/gate/read-grant.ts): a Node child started without the
 * permission model refuses the option and exits, and a child that gets the model gets it
 * from execArgv (`fork`; Node 22 and 24 copy execArgv's permission flags on `spawn`).
 */
export const preloadReadGrant = (preloadDir: string): string => `--allow-fs-read=${preloadDir}/*`;

/**
 * The one line printed when the permission model does not let the preload read its
 * directory: by preload/gate/gate.ts, and by the webhook's `--import` gate
 * (webhook/preload-entry.ts), which then never loads the preload at all.
 */
export const unreadableNotice = (preloadDir: string): string =>
  `toolforge-tracing: the permission model does not allow reading ${preloadDir}; tracing is off, the app runs normally (${preloadReadGrant(preloadDir)} turns it on)`;

/** The flags that turn the permission model on (`--experimental-permission`: Node 20 and 22 before 22.13). */
export const PERMISSION_FLAGS: readonly string[] = ['--permission', '--experimental-permission'];
