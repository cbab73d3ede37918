import type { Instrumentation } from '@opentelemetry/instrumentation';
import { oneSpanPerCommand } from './ioredis-once.js';
import { oneSpanPerPoolQuery } from './mysql-pool-once.js';
import { noConnectSpans } from './node-redis-connect.js';

/**
 * The instrumentations the preload offers. `packages` are the npm packages whose
 * first load creates the instrumentation (see lazy-enable.ts), so an app that never
 * loads mysql2 never evaluates the mysql2 instrumentation. fetch (undici) is on from
 * the start: nearly every tool calls out. http and https get the preload's own spans
 * (client/ and server/), not an instrumentation.
 *
 * `require` inside each factory (not a top-level import) is what lets the bundler
 * keep each instrumentation's code unevaluated until it is needed.
 */
export interface InstrumentationEntry {
  packages: string[];
  create: () => Instrumentation;
}

/** Redis spans name the command only: keys and values can be personal data. */
const commandOnly = (command: string): string => command;
/**
 * Calls made outside any request (a Toolforge job, a bot's loop, startup) are
 * dependencies too: without this, the ioredis and mongodb instrumentations record
 * nothing that has no parent span.
 */
const evenWithoutParent = { requireParentSpan: false };

export const eagerInstrumentations: Array<() => Instrumentation> = [
  () => {
    const { UndiciInstrumentation } = require('@opentelemetry/instrumentation-undici') as typeof import('@opentelemetry/instrumentation-undici');
    return new UndiciInstrumentation();
  },
];

export const lazyInstrumentations: InstrumentationEntry[] = [
  {
    packages: ['express'],
    create: () => {
      const m = require('@opentelemetry/instrumentation-express') as typeof import('@opentelemetry/instrumentation-express');
      // Route names are worth having; one span per middleware is not.
      return new m.ExpressInstrumentation({ ignoreLayersType: [m.ExpressLayerType.MIDDLEWARE] });
    },
  },
  {
    packages: ['koa'],
    create: () => {
      const m = require('@opentelemetry/instrumentation-koa') as typeof import('@opentelemetry/instrumentation-koa');
      return new m.KoaInstrumentation({ ignoreLayersType: [m.KoaLayerType.MIDDLEWARE] });
    },
  },
  {
    packages: ['mysql'],
    create: () => {
      const m = require('@opentelemetry/instrumentation-mysql') as typeof import('@opentelemetry/instrumentation-mysql');
      return oneSpanPerPoolQuery(new m.MySQLInstrumentation());
    },
  },
  {
    packages: ['mysql2'],
    create: () => {
      const m = require('@opentelemetry/instrumentation-mysql2') as typeof import('@opentelemetry/instrumentation-mysql2');
      return new m.MySQL2Instrumentation();
    },
  },
  {
    packages: ['pg', 'pg-pool'],
    create: () => {
      const m = require('@opentelemetry/instrumentation-pg') as typeof import('@opentelemetry/instrumentation-pg');
      // Connecting is not a call the graph should count (see ioredis-once.ts).
      return new m.PgInstrumentation({ ...evenWithoutParent, ignoreConnectSpans: true });
    },
  },
  {
    packages: ['redis', '@redis/client', '@node-redis/client'],
    create: () => {
      const m = require('@opentelemetry/instrumentation-redis') as typeof import('@opentelemetry/instrumentation-redis');
      return noConnectSpans(new m.RedisInstrumentation({ ...evenWithoutParent, dbStatementSerializer: commandOnly }));
    },
  },
  {
    packages: ['ioredis'],
    create: () => {
      const m = require('@opentelemetry/instrumentation-ioredis') as typeof import('@opentelemetry/instrumentation-ioredis');
      return oneSpanPerCommand(new m.IORedisInstrumentation({ ...evenWithoutParent, dbStatementSerializer: commandOnly }));
    },
  },
  {
    packages: ['mongodb'],
    create: () => {
      const m = require('@opentelemetry/instrumentation-mongodb') as typeof import('@opentelemetry/instrumentation-mongodb');
      return new m.MongoDBInstrumentation(evenWithoutParent);
    },
  },
];

/** Module specifiers the ESM loader hook must make patchable (everything else loads untouched). */
export const esmHookedSpecifiers: string[] = lazyInstrumentations.flatMap((e) => e.packages);
