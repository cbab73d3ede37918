// docs/operators/preload.md's Settings say what preload/config/env-config.ts does: each default
// in the table is the one readConfig uses, the example warning is the line the preload
// prints for those values, and the unsupported variables listed are the code's list.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { readConfig, settingsWarning, UNSUPPORTED_ENV } from '../../preload/config/env-config.js';
import { repoRoot } from '../support/preload-bundle.js';

const doc = readFileSync(path.join(repoRoot, 'docs', 'operators', 'preload.md'), 'utf8');
const settings = doc.slice(doc.indexOf('## Settings'), doc.indexOf('## Instrumentations'));

/** The table's default column by variable (first backticked value of each cell). */
function defaults(): Map<string, string> {
  const rows = new Map<string, string>();
  for (const line of settings.split('\n')) {
    const cells = line.split('|').map((c) => c.trim());
    const name = /^`([A-Z_]+)`/.exec(cells[1] ?? '')?.[1];
    const value = /^`([^`]+)`/.exec(cells[2] ?? '')?.[1];
    if (name !== undefined && value !== undefined) rows.set(name, value);
  }
  return rows;
}

test("the Settings table's defaults are readConfig's", () => {
  const { config } = readConfig({});
  const table = defaults();
  assert.deepEqual(
    Object.fromEntries(['OTEL_EXPORTER_OTLP_ENDPOINT', 'OTEL_EXPORTER_OTLP_TIMEOUT', 'OTEL_TRACES_SAMPLER', 'OTEL_PROPAGATORS', 'OTEL_BSP_MAX_QUEUE_SIZE', 'OTEL_BSP_MAX_EXPORT_BATCH_SIZE', 'OTEL_BSP_SCHEDULE_DELAY', 'TOOLFORGE_TRACING_PROFILE'].map((n) => [n, table.get(n)])),
    {
      OTEL_EXPORTER_OTLP_ENDPOINT: config.tracesUrl.replace(/\/v1\/traces$/, ''),
      OTEL_EXPORTER_OTLP_TIMEOUT: String(config.exportTimeoutMillis),
      OTEL_TRACES_SAMPLER: config.sampler,
      OTEL_PROPAGATORS: config.propagators.join(','),
      OTEL_BSP_MAX_QUEUE_SIZE: String(config.maxQueueSize),
      OTEL_BSP_MAX_EXPORT_BATCH_SIZE: String(config.maxExportBatchSize),
      OTEL_BSP_SCHEDULE_DELAY: String(config.scheduledDelayMillis),
      TOOLFORGE_TRACING_PROFILE: config.profile,
    },
  );
});

test('the example warning is the line the preload prints for its values', () => {
  const example = /^`(toolforge-tracing: invalid settings[^`]*)`\.$/m.exec(settings)?.[1];
  assert.ok(example, 'preload.md has the example warning line');
  const { warnings } = readConfig({ OTEL_TRACES_SAMPLER: 'sometimes', OTEL_BSP_MAX_QUEUE_SIZE: 'lots' });
  assert.equal(example, settingsWarning(warnings));
});

test('the unsupported variables listed are UNSUPPORTED_ENV', () => {
  const paragraph = settings.slice(settings.indexOf('Standard variables the preload does not implement'));
  const listed = paragraph.slice(0, paragraph.indexOf('\n\n')).match(/`OTEL_[A-Z_]+`/g)?.map((n) => n.slice(1, -1));
  assert.deepEqual(new Set(listed), new Set(UNSUPPORTED_ENV));
});
