/**
 * Topology extra rules from the chart's values to a tool's spans, through the real parts:
 * `helm template` with `webhook.config.extraRules` -> the webhook's ConfigMap -> the real
 * webhook process on that config.yaml -> the env it injects into a tool pod -> a real Node
 * job with the preload and exactly that env (downward-API values filled in as the kubelet
 * would) -> the OTLP receiver, where the job's call is named by the rule. The agent's
 * DaemonSet gets the same rules as a file, which the CLI's loader (the agent's) accepts.
 */
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { V1Container, V1EnvVar } from '@kubernetes/client-node';
import { parse } from 'yaml';
import { EXTRA_RULES_ENV } from '../../contract/preload-env.js';
import { startOtlpReceiver, type OtlpReceiver } from '../support/otlp-receiver.js';
import { preloadPath, repoRoot } from '../support/preload-bundle.js';
import { runToExit } from '../support/processes.js';
import { makeTempDir, type TempDir } from '../support/temp-dir.js';
import { fixtureApp } from '../support/toolforge-world.js';
import { DEFAULT_NODE, nodeBinary } from '../support/node-runtimes.js';
import { jobPod } from '../webhook/fixtures/pods.js';
import { applyPatch, mutate, startWebhook, closeAgents, type RunningWebhook } from '../webhook/helpers.js';
import { find, render, type K8sObject } from './helm.js';
import { schemaErrors, unknownFields } from './kubernetes-schemas.js';

const rules = [
  { hostRegex: '^never\\.example$', node: 'cloudvps:never' },
  { host: '127.0.0.1', node: 'cloudvps:rules-test', detail: 'named by an extra rule' },
];

let receiver: OtlpReceiver;
let objects: K8sObject[];
let webhook: RunningWebhook;
let dir: TempDir;
let target: http.Server;

before(async () => {
  receiver = await startOtlpReceiver();
  dir = await makeTempDir('tt-extra-rules-');
  // The node collector's port is the receiver's: the injected endpoint then points at it.
  objects = await render('local', ['--set-json', `webhook.config.extraRules=${JSON.stringify(rules)}`, '--set', `nodeCollector.otlpHttpPort=${receiver.port}`, '--set', 'agent.enabled=true']);
  const configMap = find(objects, 'ConfigMap', '-webhook') as K8sObject & { data: Record<string, string> };
  webhook = await startWebhook({ config: configMap.data['config.yaml']! });
  target = http.createServer((_req, res) => res.end('ok'));
  await new Promise<void>((r) => target.listen(0, '127.0.0.1', r));
});
after(async () => {
  closeAgents();
  target?.closeAllConnections();
  target?.close();
  await webhook?.stop();
  await receiver?.stop();
  await dir?.remove();
});

/** The container's env as the kubelet gives it to the process: downward API filled in, `$(VAR)` expanded from earlier entries. */
function processEnv(env: V1EnvVar[], fields: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const e of env) {
    const fieldPath = e.valueFrom?.fieldRef?.fieldPath;
    const value = fieldPath !== undefined ? fields[fieldPath] : e.value;
    assert.ok(value !== undefined, `env ${e.name} has a value the test can give`);
    out[e.name] = value.replace(/\$\$|\$\(([^)]*)\)/g, (ref, name: string | undefined) => (name === undefined ? '$' : (out[name] ?? ref)));
  }
  return out;
}

describe('topology extra rules set in the chart values', () => {
  test("the webhook injects them and the preload names the job's call by the rule", async () => {
    const pod = jobPod({ tool: 'ruled' });
    pod.spec!.containers[0]!.env = [{ name: EXTRA_RULES_ENV, value: '[{"host":"127.0.0.1","node":"cloudvps:spoofed"}]' }];
    const patched = applyPatch(pod, (await mutate(webhook, pod)).ops);
    const container = patched.spec!.containers[0]! as V1Container;
    const injected = container.env!.filter((e) => e.name === EXTRA_RULES_ENV);
    assert.equal(injected.length, 1, "one, the pod's own value dropped");
    // `$` written as `$$`, which the kubelet turns back into `$` (the regex's anchor).
    assert.match(injected[0]!.value!, /"\^never\\\\\.example\$\$"/);

    const env = processEnv(container.env!, { 'metadata.name': 'update-cache-28412345-abcde', 'spec.nodeName': 'node-1', 'status.hostIP': '127.0.0.1' });
    assert.equal(env.OTEL_EXPORTER_OTLP_ENDPOINT, receiver.endpoint);
    assert.equal(env.NODE_OPTIONS, '--require /toolforge-tracing/preload.cjs');
    assert.deepEqual(JSON.parse(env[EXTRA_RULES_ENV]!), rules, "the chart's rules, as the preload reads them");
    const run = await runToExit({
      name: 'ruled job',
      command: nodeBinary(DEFAULT_NODE),
      args: [fixtureApp('job-exit/app.cjs')],
      env: {
        PATH: process.env.PATH,
        ...env,
        // The one path that differs here: the preload is where the test built it, not in the pod's volume.
        NODE_OPTIONS: env.NODE_OPTIONS!.replace('/toolforge-tracing/preload.cjs', await preloadPath()),
        TARGET_URL: `http://127.0.0.1:${(target.address() as AddressInfo).port}/rules`,
        CALLS: '1',
        END: 'natural',
      },
    });
    assert.equal(run.code, 0, run.stderr);
    assert.equal(run.stderr, '', 'no warning: the injected rules are valid for the preload too');
    const spans = await receiver.waitFor((s) => s.some((x) => x.kind === 'CLIENT' && x.resource['service.name'] === 'ruled'), 15_000, "the job's client span");
    const client = spans.filter((s) => s.kind === 'CLIENT' && s.resource['service.name'] === 'ruled');
    assert.deepEqual(
      client.map((s) => [s.attributes['peer.service'], s.attributes['toolforge.dependency.kind'], s.attributes['toolforge.dependency.detail']]),
      [['cloudvps:rules-test', 'service', 'named by an extra rule']],
    );
  });

  test("the agent's DaemonSet reads the same rules from its ConfigMap, a file the rules loader accepts", async () => {
    const daemonSet = find(objects, 'DaemonSet', '-agent') as K8sObject & { spec: { template: { spec: { containers: V1Container[]; volumes: { name: string; configMap?: { name: string } }[] } } } };
    const podSpec = daemonSet.spec.template.spec;
    const agent = podSpec.containers[0]!;
    assert.ok(agent.args!.includes('--extra-rules=/etc/toolforge-tracing-agent-rules/rules.yaml'), agent.args!.join(' '));
    const mount = agent.volumeMounts!.find((m) => m.mountPath === '/etc/toolforge-tracing-agent-rules')!;
    const configMapName = podSpec.volumes.find((v) => v.name === mount.name)!.configMap!.name;
    const configMap = objects.find((o) => o.kind === 'ConfigMap' && o.metadata.name === configMapName) as K8sObject & { data: Record<string, string> };
    assert.deepEqual(parse(configMap.data['rules.yaml']!), { rules });
    for (const o of [daemonSet, configMap]) assert.deepEqual([schemaErrors(o), unknownFields(o)], ['', []], `${o.kind}/${o.metadata.name}`);
    const file = join(dir.path, 'rules.yaml');
    await writeFile(file, configMap.data['rules.yaml']!);
    const check = await runToExit({ name: 'check-rules', command: process.execPath, args: ['--import', 'tsx', 'cli/main.ts', 'topology', 'check-rules', file], cwd: repoRoot, env: process.env });
    assert.equal(check.code, 0, check.stderr);
  });

  test('no rules in the values: no ConfigMap, no --extra-rules, no env var', async () => {
    const plain = await render('local', ['--set', 'agent.enabled=true']);
    assert.equal(plain.filter((o) => o.kind === 'ConfigMap' && o.metadata.name.endsWith('-extra-rules')).length, 0);
    const agent = (find(plain, 'DaemonSet', '-agent') as K8sObject & { spec: { template: { spec: { containers: V1Container[] } } } }).spec.template.spec.containers[0]!;
    assert.ok(!agent.args!.some((a) => a.startsWith('--extra-rules')));
    const config = parse((find(plain, 'ConfigMap', '-webhook') as K8sObject & { data: Record<string, string> }).data['config.yaml']!) as { extraRules: unknown };
    assert.deepEqual(config.extraRules, []);
  });

  test('an invalid rule in the values: the webhook does not start, naming the rule', async () => {
    const bad = await render('local', ['--set-json', 'webhook.config.extraRules=[{"host":"example.org","node":"not-reserved"}]']);
    const configMap = find(bad, 'ConfigMap', '-webhook') as K8sObject & { data: Record<string, string> };
    await assert.rejects(
      startWebhook({ config: configMap.data['config.yaml']! }),
      /extraRules: rules\[0\]\.node: "not-reserved" must be a reserved name "<realm>:<name>"/,
    );
  });
});
