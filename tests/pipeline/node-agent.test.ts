import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import path from 'node:path';
import { COLLECTOR_CONFIG_DIR, otelcolBinary } from '../support/collector.js';
import { freePort } from '../support/ports.js';
import { startProcess } from '../support/processes.js';

/**
 * The node collector identifies tools through the Kubernetes API. Without it (here: no
 * cluster at all) it must not fall back to what processes claim: it must not take spans.
 */
test('node-agent.yaml without a Kubernetes API fails closed: health check 503, OTLP port never opened', async () => {
  const [otlpPort, healthPort, metricsPort, gatewayPort] = [await freePort(), await freePort(), await freePort(), await freePort()];
  const agent = startProcess({
    name: 'otelcol-toolforge (node-agent.yaml)',
    command: otelcolBinary(),
    args: [
      ['--config', path.join(COLLECTOR_CONFIG_DIR, 'node-agent.yaml')],
      ['--config', `yaml:receivers::otlp::protocols::http::endpoint: 127.0.0.1:${otlpPort}`],
      ['--config', `yaml:extensions::health_check::endpoint: 127.0.0.1:${healthPort}`],
      ['--config', `yaml:service::telemetry::metrics::readers: [{pull: {exporter: {prometheus: {host: 127.0.0.1, port: ${metricsPort}}}}}]`],
      ['--config', `yaml:exporters::load_balancing::resolver::dns::port: "${gatewayPort}"`],
    ].flat(),
    // No KUBERNETES_SERVICE_HOST, no kubeconfig: nothing to ask who a pod is.
    env: {
      PATH: process.env.PATH,
      HOME: '/nonexistent',
      K8S_NODE_NAME: 'tools-k8s-worker-nfs-1',
      TOOLFORGE_TRACING_TOOL_NAMESPACE_PREFIX: 'tool-',
      TOOLFORGE_TRACING_AGENT_NAMESPACE: 'toolforge-tracing',
      TOOLFORGE_TRACING_GATEWAY_HOSTNAME: '127.0.0.1',
      TOOLFORGE_TRACING_GATEWAY_OTLP_ENDPOINT: `127.0.0.1:${gatewayPort}`,
    },
  });
  try {
    await agent.waitForOutput(/Could not initialize kube client/, 30_000);
    const health = await fetch(`http://127.0.0.1:${healthPort}/`);
    assert.equal(health.status, 503, 'a readiness probe keeps tools from being pointed at it');
    const accepted = await new Promise<boolean>((resolve) => {
      const socket = net.connect({ host: '127.0.0.1', port: otlpPort });
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    assert.equal(accepted, false, 'the OTLP receiver must not listen: no span can enter unattributed');
  } finally {
    await agent.stop();
  }
});
