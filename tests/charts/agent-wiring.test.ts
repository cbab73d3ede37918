/**
 * The chart and the agent agree: the arguments the DaemonSet passes are accepted by the
 * agent's own config schema (agent/config.ts) with the values meant, the uid map ConfigMap
 * is read by the agent's own loader, the OTLP endpoint is the node collector's hostPort,
 * the probes hit the port the agent serves /metrics on, and the topology profile is the
 * webhook's (so the agent and the preload name destinations alike).
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { loadUidMap, parseConfig } from '../../agent/config.js';
import { makeTempDir } from '../support/temp-dir.js';
import { environments, find, render, type K8sObject } from './helm.js';

interface AgentContainer {
  args: string[];
  ports: Array<{ name: string; containerPort: number }>;
  livenessProbe: { httpGet: { path: string; port: string } };
  startupProbe: { httpGet: { path: string; port: string } };
  volumeMounts: Array<{ name: string; mountPath: string }>;
}

const agentContainer = (objects: K8sObject[]) => (find(objects, 'DaemonSet', '-agent') as any).spec.template.spec.containers[0] as AgentContainer;

/** `--key=value` arguments as the agent's command line gives them to its config (camelCase keys, --nfs-prefix repeatable). */
function optionsOf(args: string[], hostIp: string): Record<string, unknown> {
  const options: Record<string, unknown> = {};
  for (const arg of args) {
    const m = /^--([a-z-]+)=(.*)$/.exec(arg);
    assert.ok(m, `not a --key=value argument: ${arg}`);
    const key = m![1]!.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
    // The kubelet expands $(HOST_IP) from the downward API.
    const value = m![2]!.replace('$(HOST_IP)', hostIp);
    if (key === 'nfsPrefix') options.nfsPrefixes = [...((options.nfsPrefixes as string[] | undefined) ?? []), value];
    else if (key === 'interval') options.interval = Number(value);
    else options[key] = value;
  }
  return options;
}

for (const env of environments) {
  describe(`chart and agent, environment ${env}`, () => {
    test("the agent's config schema accepts the arguments the chart passes, with the chart's values", async () => {
      const objects = await render(env, ['--set', 'agent.enabled=true', '--set', 'agent.nfsPrefixes={/data/project/,/mnt/nfs/dumps-}']);
      const container = agentContainer(objects);
      assert.equal(container.args[0], 'agent');
      const config = parseConfig(undefined, optionsOf(container.args.slice(1), '172.16.0.10'), 'the chart');
      const webhookConfig = find(objects, 'ConfigMap', '-webhook').data as { 'config.yaml': string };
      assert.match(webhookConfig['config.yaml'], new RegExp(`^profile: ${config.profile}$`, 'm'), 'the same profile as the webhook');
      const collectorPort = (find(objects, 'DaemonSet', '-node-collector') as any).spec.template.spec.containers[0].ports.find((p: { name: string }) => p.name === 'otlp-http').hostPort;
      assert.equal(config.otlpEndpoint, `http://172.16.0.10:${collectorPort}`);
      const metricsPort = container.ports.find((p) => p.name === 'metrics')!.containerPort;
      assert.equal(config.metricsListen, `0.0.0.0:${metricsPort}`);
      assert.equal(container.livenessProbe.httpGet.path, '/metrics');
      assert.equal(container.startupProbe.httpGet.port, 'metrics');
      assert.deepEqual(config.nfsPrefixes, ['/data/project/', '/mnt/nfs/dumps-']);
      assert.equal(config.uidMap, undefined, 'no --uid-map without agent.uidMap');
    });

    test("the uid map ConfigMap is read by the agent's loader, mounted where --uid-map points", async (t) => {
      const objects = await render(env, ['--set', 'agent.enabled=true', '--set-json', 'agent.uidMap={"50001":"tools.tf-test","50002":"tf-test2"}']);
      const container = agentContainer(objects);
      const config = parseConfig(undefined, optionsOf(container.args.slice(1), '172.16.0.10'), 'the chart');
      const mount = container.volumeMounts.find((m) => m.name === 'uid-map')!;
      assert.equal(path.dirname(config.uidMap!), mount.mountPath);
      const data = find(objects, 'ConfigMap', '-agent-uid-map').data as Record<string, string>;
      const dir = await makeTempDir('uid-map');
      t.after(() => dir.remove());
      const file = path.join(dir.path, path.basename(config.uidMap!));
      writeFileSync(file, data[path.basename(config.uidMap!)]!);
      assert.deepEqual(await loadUidMap(file), new Map([[50001, 'tools.tf-test'], [50002, 'tf-test2']]));
    });
  });
}
