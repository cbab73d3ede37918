/**
 * contract/preload-env.ts holds the names of the environment between the webhook and the
 * preload, for both sides (README: "one list of names for both"): the real webhook writes
 * exactly those names (besides NODE_OPTIONS and its own downward-API helpers), the preload
 * reads each of them, and neither spells one of them as a literal of its own.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { stringify } from 'yaml';
import { DISABLED_ENV, EXTRA_RULES_ENV, PRELOAD_ENV_NAMES } from '../../contract/preload-env.js';
import { readConfig } from '../../preload/config/env-config.js';
import { gate } from '../../preload/gate/gate.js';
import { hostIpEnv, nodeNameEnv, podNameEnv } from '../../webhook/names.js';
import { jobPod } from './fixtures/pods.js';
import { applyPatch, mutate, webhookForFile } from './helpers.js';

const repoRoot = new URL('../../', import.meta.url).pathname;
const running = webhookForFile({ config: stringify({ extraRules: [{ host: 'a.example', node: 'cloudvps:a' }] }) });

/** One value per shared name that the preload must act on (a distinct config, or a warning). */
const readValues: Record<Exclude<(typeof PRELOAD_ENV_NAMES)[number], typeof DISABLED_ENV>, string> = {
  OTEL_SERVICE_NAME: 'contract-tool',
  OTEL_RESOURCE_ATTRIBUTES: 'team=bots',
  OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:1',
  OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc',
  OTEL_TRACES_SAMPLER: 'always_off',
  OTEL_TRACES_SAMPLER_ARG: '0.5',
  OTEL_PROPAGATORS: 'none',
  TOOLFORGE_TRACING_PROFILE: 'toolsbeta',
  TOOLFORGE_TRACING_EXTRA_RULES: '[{"host":"a.example","node":"cloudvps:a"}]',
};

function sources(dir: string): string[] {
  return readdirSync(join(repoRoot, dir), { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.ts'))
    .map((f) => join(dir, f));
}

describe('the webhook-preload environment contract', () => {
  test('the real webhook writes exactly the contract names for the preload', async () => {
    const pod = jobPod({ tool: 'contract' });
    const patched = applyPatch(pod, (await mutate(running(), pod)).ops);
    const written = patched.spec!.containers[0]!.env!.map((e) => e.name).filter((n) => ![podNameEnv, nodeNameEnv, hostIpEnv, 'NODE_OPTIONS'].includes(n));
    // The opt-out is the tool owner's to set; the webhook only reads it.
    assert.deepEqual(written.sort(), PRELOAD_ENV_NAMES.filter((n) => n !== DISABLED_ENV).sort());
  });

  test('the preload reads every contract name', () => {
    const base = JSON.stringify(readConfig({}));
    for (const [name, value] of Object.entries(readValues)) {
      assert.notEqual(JSON.stringify(readConfig({ [name]: value })), base, `${name}=${value} changes nothing the preload reads`);
    }
    assert.deepEqual(Object.keys(readValues).sort(), PRELOAD_ENV_NAMES.filter((n) => n !== DISABLED_ENV).sort());
    assert.deepEqual(gate({ [DISABLED_ENV]: 'true' }, '20.0.0', true), { start: false });
    assert.equal(readConfig({ [EXTRA_RULES_ENV]: readValues[EXTRA_RULES_ENV] }).config.extraRules.length, 1);
  });

  test('webhook/ and preload/ spell no contract name themselves', () => {
    const offenders: string[] = [];
    for (const file of [...sources('webhook'), ...sources('preload')]) {
      const text = readFileSync(join(repoRoot, file), 'utf8');
      for (const name of PRELOAD_ENV_NAMES) if (new RegExp(`['"\`]${name}['"\`]`).test(text)) offenders.push(`${file}: ${name}`);
    }
    assert.deepEqual(offenders, []);
  });
});
