/** Ports for tests: the same helpers `toolforge-tracing local` uses. */
export { freePort, waitForPort } from '../../local/ports.js';
