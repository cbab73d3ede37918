import type { IORedisInstrumentation } from '@opentelemetry/instrumentation-ioredis';

/**
 * One CLIENT span per command the app sends through ioredis (5 and 6), so the service
 * graph counts each call once. The stock instrumentation wraps `sendCommand`, which
 * ioredis calls twice for a command issued before the connection is ready (once to
 * queue it offline, again to send it when ready; same for commands re-sent after a
 * reconnect): two spans, two counted calls (open upstream bug,
 * open-telemetry/opentelemetry-js-contrib#288). Here a command gets a span the first
 * time only; that span lasts until the reply, so it includes the wait for the connection.
 *
 * Connection setup is not a call the app made and is not an edge: no span for
 * `connect()` (the stock one ends before the connection exists, so it says nothing
 * about latency) nor for the handshake ioredis sends itself while its status is
 * `connect` (HELLO, AUTH, SELECT, CLIENT SETINFO, the INFO ready check).
 */
type Method = (this: RedisClient, ...args: unknown[]) => unknown;
interface RedisClient {
  status?: string;
}
interface Patchable {
  _traceSendCommand(original: Method, moduleVersion?: string): Method;
  _traceConnection(original: Method): Method;
}

export function oneSpanPerCommand(instrumentation: IORedisInstrumentation): IORedisInstrumentation {
  const patchable = instrumentation as unknown as Patchable;
  const traceSendCommand = patchable._traceSendCommand.bind(instrumentation);
  patchable._traceSendCommand = (original, moduleVersion) => {
    const traced = traceSendCommand(original, moduleVersion);
    const seen = new WeakSet<object>();
    return function sendCommand(this: RedisClient, ...args: unknown[]): unknown {
      const command = args[0];
      if (typeof command !== 'object' || command === null || seen.has(command) || this.status === 'connect') {
        return original.apply(this, args);
      }
      seen.add(command);
      return traced.apply(this, args);
    };
  };
  patchable._traceConnection = (original) =>
    function connect(this: RedisClient, ...args: unknown[]): unknown {
      return original.apply(this, args);
    };
  return instrumentation;
}
