import type { RedisInstrumentation } from '@opentelemetry/instrumentation-redis';

/**
 * node-redis (4 and 5) connections make no span. instrumentation-redis records every
 * `client.connect()` as a CLIENT span (`redis-connect`), which the service graph would
 * count as one more call to Redis per connection: twice the calls for a tool that
 * connects in each request or job run. Same rule as ioredis-once.ts: connection setup
 * is not a call the app made. Commands are traced as before.
 */
type Wrapper = (original: (...args: unknown[]) => unknown) => (...args: unknown[]) => unknown;
interface Patchable {
  _getPatchedClientConnect(): Wrapper;
}

export function noConnectSpans(instrumentation: RedisInstrumentation): RedisInstrumentation {
  // The client patch is built when node-redis loads, after this: replacing the factory is enough.
  const v4 = (instrumentation as unknown as { instrumentationV4_V5?: Patchable }).instrumentationV4_V5;
  // Internals moved (a new instrumentation version): commands stay traced; tests/preload/jobs.test.ts fails on the extra span.
  if (v4 === undefined || typeof v4._getPatchedClientConnect !== 'function') return instrumentation;
  v4._getPatchedClientConnect = () => (original) =>
    function connect(this: unknown, ...args: unknown[]): unknown {
      return original.apply(this, args);
    };
  return instrumentation;
}
