import type { MySQLInstrumentation } from '@opentelemetry/instrumentation-mysql';

/**
 * One CLIENT span per `pool.query()` of the old `mysql` package, so the service graph
 * counts it once. The stock instrumentation traces `pool.query()` and also the
 * `connection.query(query)` through which mysql's Pool forwards the same Query object
 * once it has a connection: two nested spans to the same database for one call. Query
 * objects a traced call returned are remembered here, and forwarding one is not traced
 * again; the pool's span lasts until the result, so it includes the wait for a connection.
 */
type Method = (this: unknown, ...args: unknown[]) => unknown;
interface Patchable {
  _patchQuery(connection: unknown): (original: Method) => Method;
}

export function oneSpanPerPoolQuery(instrumentation: MySQLInstrumentation): MySQLInstrumentation {
  const patchable = instrumentation as unknown as Patchable;
  const patchQuery = patchable._patchQuery.bind(instrumentation);
  const traced = new WeakSet<object>();
  patchable._patchQuery = (connection) => {
    const patch = patchQuery(connection);
    return (original) => {
      const query = patch(original);
      return function tracedOnce(this: unknown, ...args: unknown[]): unknown {
        const first = args[0];
        if (typeof first === 'object' && first !== null && traced.has(first)) return original.apply(this, args);
        const result = query.apply(this, args);
        if (typeof result === 'object' && result !== null) traced.add(result);
        return result;
      };
    };
  };
  return instrumentation;
}
