/**
 * Toolforge's admission rules and the project's own, checked on what Helm renders:
 * registries, no privilege or host access outside the node agents, non-root with all
 * capabilities dropped and seccomp RuntimeDefault everywhere else.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parse } from 'yaml';
import { environments, find, helm, render, templateArgs, type K8sObject } from './helm.js';
import { exemptions, imageViolation, podSpecOf, violations } from './toolforge-rules.js';

const workloads = (objects: K8sObject[]) => objects.filter((o) => podSpecOf(o) !== undefined);

for (const env of environments) {
  describe(`Toolforge rules, environment ${env}`, () => {
    test('no workload breaks a rule (agent slot off, as deployed by default)', async () => {
      const objects = await render(env);
      assert.ok(workloads(objects).length >= 3);
      assert.deepEqual(objects.flatMap(violations), []);
    });

    test('with the eBPF agent on, only the agent gets host access, and its host mounts are read-only', async () => {
      const objects = await render(env, ['--set', 'agent.enabled=true']);
      assert.deepEqual(objects.flatMap(violations), []);
      const agent = find(objects, 'DaemonSet', '-agent');
      const pod = podSpecOf(agent)!;
      assert.equal(pod.hostPID, true);
      assert.notEqual(pod.hostNetwork, true, 'the agent must not share the node network: the collector identifies it by pod IP');
      assert.deepEqual(
        (pod.volumes ?? []).filter((v) => v.hostPath !== undefined).map((v) => v.hostPath!.path),
        ['/var/lib/sss/pipes'],
        'its only host mount is the node sssd socket directory',
      );
      assert.deepEqual(pod.containers!.map((c) => c.name), ['agent']);
      assert.equal(pod.initContainers, undefined);
      for (const other of workloads(objects).filter((o) => o !== agent)) {
        const spec = podSpecOf(other)!;
        assert.ok(!(spec.volumes ?? []).some((v) => v.hostPath !== undefined), `${other.metadata.name} has a hostPath volume`);
        assert.notEqual(spec.hostPID, true, `${other.metadata.name} has hostPID`);
      }
    });

    test('the preload image the webhook injects into tool pods is from a Toolforge registry', async () => {
      const config = parse((find(await render(env), 'ConfigMap', '-webhook').data as { 'config.yaml': string })['config.yaml']) as {
        injection: { image: string };
      };
      assert.equal(imageViolation(config.injection.image, 'injection.image'), undefined);
    });

    test('the node collector is reached on the host port of the contract and is otherwise unprivileged', async () => {
      const collector = find(await render(env), 'DaemonSet', '-node-collector');
      const container = podSpecOf(collector)!.containers![0]!;
      assert.deepEqual(
        container.ports!.filter((p) => p.hostPort !== undefined).map((p) => p.hostPort),
        [4318],
      );
      assert.deepEqual(container.securityContext?.capabilities?.drop, ['ALL']);
      assert.equal(container.securityContext?.privileged, false);
    });
  });
}

describe("the agent's exemption is narrow", () => {
  const agentVariant = async (change: (d: K8sObject & { spec: any }) => void) => {
    const agent = structuredClone(find(await render('tools', ['--set', 'agent.enabled=true']), 'DaemonSet', '-agent')) as K8sObject & { spec: any };
    change(agent);
    return violations(agent);
  };

  test('it names the workload kind, the one container and the one host path', () => {
    assert.deepEqual(Object.keys(exemptions).sort(), ['agent', 'node-collector']);
    assert.equal(exemptions.agent!.workloadKind, 'DaemonSet');
    assert.deepEqual([...exemptions.agent!.containers], ['agent']);
    assert.deepEqual([...exemptions.agent!.hostPaths], ['/var/lib/sss/pipes']);
    for (const never of ['hostNetwork', 'hostIPC', 'hostPort'] as const) assert.ok(!exemptions.agent!.access.has(never), `the agent may not have ${never}`);
  });

  test('a second privileged container in the agent pod is refused', async () => {
    const found = await agentVariant((d) => {
      const c = structuredClone(d.spec.template.spec.containers[0]);
      d.spec.template.spec.containers.push({ ...c, name: 'sidecar' });
    });
    for (const rule of ['privileged', 'root', 'seccomp', 'capabilities']) {
      assert.ok(found.some((v) => v.includes('container sidecar') && v.includes(`(${rule} is not allowed`)), `${rule}:\n${found.join('\n')}`);
    }
    assert.ok(!found.some((v) => v.includes('container agent ')), found.join('\n'));
  });

  test('the same privileged container as an init container is refused', async () => {
    const found = await agentVariant((d) => (d.spec.template.spec.initContainers = [structuredClone(d.spec.template.spec.containers[0])]));
    assert.ok(found.some((v) => v.includes('container agent is privileged')), found.join('\n'));
  });

  test('another host path, a writable host mount, the node network: each refused', async () => {
    const found = await agentVariant((d) => {
      d.spec.template.spec.volumes.push({ name: 'root', hostPath: { path: '/' } });
      d.spec.template.spec.containers[0].volumeMounts.push({ name: 'root', mountPath: '/host' });
      d.spec.template.spec.hostNetwork = true;
    });
    assert.ok(found.some((v) => v.includes('hostPath volume root names /, not one of /var/lib/sss/pipes')), found.join('\n'));
    assert.ok(found.some((v) => v.includes('mounts hostPath volume root writable')), found.join('\n'));
    assert.ok(found.some((v) => v.includes('(hostNetwork is not allowed for component "agent")')), found.join('\n'));
  });

  test('the agent pod as a Deployment gets no exemption at all', async () => {
    const found = await agentVariant((d) => (d.kind = 'Deployment'));
    for (const rule of ['privileged', 'hostPID', 'hostPath', 'root']) {
      assert.ok(found.some((v) => v.includes(`(${rule} is not allowed`)), `${rule}:\n${found.join('\n')}`);
    }
  });
});

describe('the rule checker is not vacuous', () => {
  const mutated = async (change: (o: K8sObject & { spec: any }) => void, component = 'webhook') => {
    const objects = await render('tools');
    const target = structuredClone(objects.find((o) => (o.kind === 'Deployment' || o.kind === 'StatefulSet') && o.metadata.labels?.['app.kubernetes.io/component'] === component)!) as K8sObject & {
      spec: any;
    };
    change(target);
    return violations(target);
  };

  test('a hostPath volume outside the node agents', async () => {
    const found = await mutated((d) => d.spec.template.spec.volumes.push({ name: 'host', hostPath: { path: '/etc' } }), 'gateway');
    assert.ok(found.some((v) => /hostPath volume host \(hostPath is not allowed for component "gateway"\)/.test(v)), found.join('\n'));
  });

  test('a privileged container, an added capability, root, no seccomp', async () => {
    const found = await mutated((d) => {
      const c = d.spec.template.spec.containers[0];
      c.securityContext = { privileged: true, runAsUser: 0, capabilities: { add: ['NET_ADMIN'] } };
      delete d.spec.template.spec.securityContext;
    });
    for (const rule of ['privileged', 'privilegeEscalation', 'capabilities', 'root', 'seccomp']) {
      assert.ok(found.some((v) => v.includes(`(${rule} is not allowed`)), `${rule} not reported:\n${found.join('\n')}`);
    }
    assert.ok(found.some((v) => v.includes('writable root filesystem')));
  });

  test('an image from Docker Hub', async () => {
    const found = await mutated((d) => (d.spec.template.spec.containers[0].image = 'otel/opentelemetry-collector-contrib:0.158.0'));
    assert.ok(found.some((v) => v.includes('is not from a Toolforge registry')), found.join('\n'));
  });

  test('the chart itself refuses an image outside the allowed registries, naming the value', async () => {
    for (const [field, value] of [
      ['preload.image.repository', 'ghcr.io/example/preload'],
      ['collector.image.repository', 'docker.io/otel/opentelemetry-collector-contrib'],
      ['webhook.image.repository', 'quay.io/example/webhook'],
    ] as const) {
      const result = await helm(templateArgs('tools', ['--set', `${field}=${value}`]));
      assert.notEqual(result.code, 0, `${field}=${value} rendered`);
      assert.match(result.stderr, new RegExp(`${field.replace(/\./g, '\\.')} "${value}": registry "[^"]+" is not in imagePolicy\\.allowedRegistries`));
    }
  });
});
