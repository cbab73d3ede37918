/**
 * Entry point loaded with `node --require …/preload.cjs`. Built for old runtimes so
 * it parses everywhere; the SDK (built for Node 18) is only required once the gate
 * says this runtime is supported. Nothing here may throw into the app.
 */
import { isMainThread } from 'node:worker_threads';
import { gate, type Permissions } from './gate/gate.js';
import { permission } from './gate/permission-model.js';
import { moveReadGrantToExecArgv } from './gate/read-grant.js';
import { tellAgentPreloadRuns } from './gate/tell-agent.js';

try {
  if (permission) moveReadGrantToExecArgv(process.env, process.execArgv, __dirname);
  const permissions: Permissions | undefined = permission && { readsPreload: permission.has('fs.read', `${__dirname}/sdk.cjs`), dir: __dirname };
  const decision = gate(process.env, process.version, isMainThread, permissions);
  if (decision.start) {
    // A sibling file, not bundled into this one: its syntax targets Node 18.
    require(`${__dirname}/sdk.cjs`).start();
    tellAgentPreloadRuns(__filename);
  } else if (decision.message !== undefined) {
    process.stderr.write(`${decision.message}\n`);
  }
} catch (err) {
  process.stderr.write(`toolforge-tracing: preload failed, tracing is off: ${String(err)}\n`);
}
