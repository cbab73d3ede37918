import Module from 'node:module';
import type { Instrumentation } from '@opentelemetry/instrumentation';
import type { InstrumentationEntry } from './instrumentations.js';
import { packageOf } from './package-name.js';

/** Node's `Module._load(request, parent, isMain)`; every argument is passed on, however many a Node version adds. */
type Load = (request: string, ...rest: unknown[]) => unknown;

/**
 * Creates each instrumentation just before its package is first loaded, so its
 * require/import hooks are in place when the package's files are evaluated.
 * `Module._load` sees both `require()` and ESM imports of CommonJS packages.
 */
export function enableOnFirstLoad(entries: InstrumentationEntry[], enable: (instrumentation: Instrumentation) => void): void {
  const pending = new Map<string, InstrumentationEntry>();
  for (const entry of entries) for (const name of entry.packages) pending.set(name, entry);
  const loader = Module as unknown as { _load: Load };
  const original = loader._load;
  loader._load = function load(this: unknown, ...args: Parameters<Load>): unknown {
    const [request] = args;
    if (pending.size > 0 && typeof request === 'string') {
      const entry = pending.get(packageOf(request) ?? '');
      if (entry !== undefined) {
        for (const name of entry.packages) pending.delete(name);
        try {
          enable(entry.create());
        } catch {
          // An instrumentation that cannot start leaves the package untraced, never broken.
        }
      }
    }
    return original.apply(this, args);
  };
}
