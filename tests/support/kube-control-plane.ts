/**
 * A real Kubernetes control plane on loopback: etcd, kube-apiserver and (when asked)
 * kube-controller-manager, built by `scripts/setup --test` (ensure_etcd,
 * ensure_kube_binaries). No kubelet and no scheduler: pods stay Pending, which is all an
 * admission test needs. One per test file; each test makes its own namespaces.
 *
 * Certificates come from openssl: a CA that signs the API server's serving certificate and
 * an admin client certificate (group system:masters), and a key pair that signs service
 * account tokens (so TokenRequest works).
 */
import { accessSync, constants } from 'node:fs';
import { request as httpsRequest, type RequestOptions } from 'node:https';
import { readFile, writeFile } from 'node:fs/promises';
import { delimiter, join } from 'node:path';
import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { requireBinary } from './binaries.js';
import { freePort } from './ports.js';
import { runToExit, startProcess, type ManagedProcess } from './processes.js';
import { makeTempDir, type TempDir } from './temp-dir.js';

/** kube-apiserver, kube-controller-manager, etcd: from TOOLFORGE_TRACING_TOOLS_BIN or PATH. */
export function controlPlaneBinary(name: 'etcd' | 'kube-apiserver' | 'kube-controller-manager'): string {
  const dirs = [process.env.TOOLFORGE_TRACING_TOOLS_BIN, ...(process.env.PATH ?? '').split(delimiter)].filter((d): d is string => !!d);
  for (const dir of dirs) {
    try {
      accessSync(join(dir, name), constants.X_OK);
      return join(dir, name);
    } catch {
      // not in this directory
    }
  }
  const fn = name === 'etcd' ? 'ensure_etcd' : 'ensure_kube_binaries';
  throw new Error(`${name} not found on PATH or in TOOLFORGE_TRACING_TOOLS_BIN: build it with scripts/setup --test (${fn} in scripts/lib/common.sh)`);
}

export interface KubeControlPlane {
  /** https://127.0.0.1:<port> */
  readonly server: string;
  /** PEM of the CA that signed the API server's certificate (and may sign a webhook's). */
  readonly ca: string;
  readonly caFiles: { certFile: string; keyFile: string };
  /** A cluster-admin (system:masters) client. */
  readonly admin: KubeConfig;
  /** The same admin credentials as a kubeconfig file. */
  readonly adminKubeconfigFile: string;
  readonly dir: string;
  /** A certificate for `ips`/`names` signed by the cluster CA: what cert-manager would issue a webhook. */
  issueServingCertificate(name: string, opts: { ips?: string[]; dnsNames?: string[] }): Promise<{ cert: string; key: string; certFile: string; keyFile: string }>;
  /** A bound service-account token from the TokenRequest API. */
  serviceAccountToken(namespace: string, serviceAccount: string, audiences?: string[]): Promise<string>;
  /** A client that authenticates with `token`. */
  kubeConfigForToken(token: string): KubeConfig;
  /** Creates a namespace and its `default` ServiceAccount (the controller manager's job, when it is not running). */
  createNamespace(name: string, labels?: Record<string, string>, annotations?: Record<string, string>): Promise<void>;
  /** Stops only kube-apiserver (etcd keeps the data); startApiServer() brings it back on the same port. */
  stopApiServer(): Promise<void>;
  startApiServer(): Promise<void>;
  /** kube-apiserver's output so far (for failure messages). */
  apiServerLog(): string;
  /** For signals (SIGSTOP: a hung API server). */
  apiServerPid(): number | undefined;
  stop(): Promise<void>;
}

async function openssl(args: string[], cwd: string): Promise<void> {
  const r = await runToExit({ name: 'openssl', command: requireBinary('openssl', 'openssl'), args, cwd }, 60_000);
  if (r.code !== 0) throw new Error(`openssl ${args.join(' ')} failed: ${r.stderr}`);
}

const ecKey = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];

/** A leaf certificate signed by ca.crt/ca.key in `dir`. */
async function issue(dir: string, name: string, subject: string, extensions: string[]): Promise<{ certFile: string; keyFile: string }> {
  await openssl(
    ['req', '-x509', ...ecKey, '-keyout', `${name}.key`, '-out', `${name}.crt`, '-days', '2', '-subj', subject, '-CA', 'ca.crt', '-CAkey', 'ca.key', ...extensions.flatMap((e) => ['-addext', e])],
    dir,
  );
  return { certFile: join(dir, `${name}.crt`), keyFile: join(dir, `${name}.key`) };
}

const sanExtension = (ips: string[], dnsNames: string[]) => `subjectAltName=${[...ips.map((i) => `IP:${i}`), ...dnsNames.map((d) => `DNS:${d}`)].join(',')}`;

function kubeconfigObject(server: string, ca: string, user: Record<string, string>) {
  return {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'test', cluster: { server, 'certificate-authority-data': Buffer.from(ca).toString('base64') } }],
    users: [{ name: 'user', user }],
    contexts: [{ name: 'test', context: { cluster: 'test', user: 'user' } }],
    'current-context': 'test',
  };
}

/**
 * One request to the API server with `kc`'s credentials (client certificate or token), for
 * what the typed clients do not cover (/readyz, raw paths). Never throws on a status.
 */
export async function kubeRequest(
  kc: KubeConfig,
  path: string,
  init: { method?: string; body?: string; contentType?: string } = {},
): Promise<{ status: number; text: string }> {
  const url = new URL(path, kc.getCurrentCluster()!.server);
  const options: RequestOptions = { method: init.method ?? 'GET', headers: init.contentType === undefined ? {} : { 'content-type': init.contentType } };
  await kc.applyToHTTPSOptions(options);
  return new Promise((resolve, reject) => {
    const req = httpsRequest(url, options, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (text += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.setTimeout(30_000, () => req.destroy(new Error(`${options.method} ${url.href}: no answer within 30 s`)));
    req.end(init.body);
  });
}

/** Polls `check` (errors count as "not yet") until it holds; fails with `proc`'s output if it exits or time runs out. */
async function waitFor(what: string, timeoutMs: number, proc: ManagedProcess, check: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (proc.child.exitCode !== null) throw new Error(`${proc.name} exited with ${proc.child.exitCode} before ${what}:\n${proc.stderr().slice(-4000)}`);
    if (await check().catch(() => false)) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${proc.name}: no ${what} within ${timeoutMs} ms; log tail:\n${proc.stderr().slice(-4000)}`);
}

/** Polls the API server's /readyz with the admin's credentials. */
async function waitReady(admin: KubeConfig, proc: ManagedProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < deadline) {
    if (proc.child.exitCode !== null) throw new Error(`kube-apiserver exited with ${proc.child.exitCode}:\n${proc.stderr().slice(-4000)}`);
    try {
      const res = await kubeRequest(admin, '/readyz');
      last = `${res.status} ${res.text}`;
      if (res.status === 200) return;
    } catch (error) {
      last = String(error);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`kube-apiserver not ready within ${timeoutMs} ms (last: ${last}); log tail:\n${proc.stderr().slice(-4000)}`);
}

export async function startKubeControlPlane(opts: { controllerManager?: boolean } = {}): Promise<KubeControlPlane> {
  const binaries = {
    etcd: controlPlaneBinary('etcd'),
    apiserver: controlPlaneBinary('kube-apiserver'),
    kcm: opts.controllerManager ? controlPlaneBinary('kube-controller-manager') : undefined,
  };
  const tmp: TempDir = await makeTempDir('kube');
  const dir = tmp.path;
  let etcd: ManagedProcess | undefined;
  let apiserver: ManagedProcess | undefined;
  let kcm: ManagedProcess | undefined;
  // Clients before servers: each stops while what it talks to is still there.
  const stopAll = async () => {
    for (const p of [kcm, apiserver, etcd]) await p?.stop('SIGTERM', 5000);
    await tmp.remove();
  };
  try {
    await openssl(
      ['req', '-x509', ...ecKey, '-keyout', 'ca.key', '-out', 'ca.crt', '-days', '2', '-subj', '/CN=toolforge-tracing-test-ca', '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign'],
      dir,
    );
    const serving = await issue(dir, 'apiserver', '/CN=kube-apiserver', [
      sanExtension(['127.0.0.1'], ['localhost', 'kubernetes', 'kubernetes.default', 'kubernetes.default.svc', 'kubernetes.default.svc.cluster.local']),
      'extendedKeyUsage=serverAuth',
    ]);
    const adminCert = await issue(dir, 'admin', '/O=system:masters/CN=test-admin', ['extendedKeyUsage=clientAuth']);
    await openssl(['genpkey', '-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048', '-out', 'sa.key'], dir);
    await openssl(['pkey', '-in', 'sa.key', '-pubout', '-out', 'sa.pub'], dir);
    const ca = await readFile(join(dir, 'ca.crt'), 'utf8');

    const [etcdClient, etcdPeer, apiPort] = [await freePort(), await freePort(), await freePort()];
    etcd = startProcess({
      name: 'etcd',
      command: binaries.etcd,
      args: [
        '--name=test',
        `--data-dir=${join(dir, 'etcd')}`,
        `--listen-client-urls=http://127.0.0.1:${etcdClient}`,
        `--advertise-client-urls=http://127.0.0.1:${etcdClient}`,
        `--listen-peer-urls=http://127.0.0.1:${etcdPeer}`,
        `--initial-advertise-peer-urls=http://127.0.0.1:${etcdPeer}`,
        `--initial-cluster=test=http://127.0.0.1:${etcdPeer}`,
        // Test data: durability is not needed, and fsync on a shared disk is slow.
        '--unsafe-no-fsync',
        '--log-level=warn',
      ],
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: dir },
    });
    await waitFor('etcd answering /health', 30_000, etcd, async () => (await fetch(`http://127.0.0.1:${etcdClient}/health`)).ok);

    const server = `https://127.0.0.1:${apiPort}`;
    const adminKubeconfigFile = join(dir, 'admin.kubeconfig');
    await writeFile(
      adminKubeconfigFile,
      JSON.stringify(kubeconfigObject(server, ca, { 'client-certificate': adminCert.certFile, 'client-key': adminCert.keyFile })),
    );
    const admin = new KubeConfig();
    admin.loadFromFile(adminKubeconfigFile);

    const apiserverArgs = [
      `--etcd-servers=http://127.0.0.1:${etcdClient}`,
      '--bind-address=127.0.0.1',
      '--advertise-address=127.0.0.1',
      `--secure-port=${apiPort}`,
      `--tls-cert-file=${serving.certFile}`,
      `--tls-private-key-file=${serving.keyFile}`,
      `--client-ca-file=${join(dir, 'ca.crt')}`,
      `--service-account-key-file=${join(dir, 'sa.pub')}`,
      `--service-account-signing-key-file=${join(dir, 'sa.key')}`,
      '--service-account-issuer=https://kubernetes.default.svc.cluster.local',
      // Nothing routes this range: no kube-proxy runs, so no packet ever goes there.
      '--service-cluster-ip-range=10.96.0.0/16',
      // Endpoints may not hold loopback addresses; the `kubernetes` Service needs none here.
      '--endpoint-reconciler-type=none',
      '--authorization-mode=RBAC',
      // The defaults include MutatingAdmissionWebhook, ServiceAccount and PodSecurity; named so a
      // default that changes cannot silently drop them.
      '--enable-admission-plugins=NamespaceLifecycle,LimitRanger,ServiceAccount,PodSecurity,MutatingAdmissionWebhook,ValidatingAdmissionWebhook,ResourceQuota',
      `--cert-dir=${join(dir, 'apiserver-certs')}`,
      '--profiling=false',
      '--v=1',
    ];
    const startApiServer = async () => {
      apiserver = startProcess({ name: 'kube-apiserver', command: binaries.apiserver, args: apiserverArgs, env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: dir } });
      await waitReady(admin, apiserver, 90_000);
    };
    await startApiServer();

    if (binaries.kcm !== undefined) {
      kcm = startProcess({
        name: 'kube-controller-manager',
        command: binaries.kcm,
        args: [
          `--kubeconfig=${adminKubeconfigFile}`,
          `--authentication-kubeconfig=${adminKubeconfigFile}`,
          `--authorization-kubeconfig=${adminKubeconfigFile}`,
          '--bind-address=127.0.0.1',
          `--secure-port=${await freePort()}`,
          `--cert-dir=${join(dir, 'kcm-certs')}`,
          '--leader-elect=false',
          `--service-account-private-key-file=${join(dir, 'sa.key')}`,
          `--root-ca-file=${join(dir, 'ca.crt')}`,
          '--use-service-account-credentials=false',
          '--v=1',
        ],
        env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: dir },
      });
    }

    const core = admin.makeApiClient(CoreV1Api);
    const plane: KubeControlPlane = {
      server,
      ca,
      caFiles: { certFile: join(dir, 'ca.crt'), keyFile: join(dir, 'ca.key') },
      admin,
      adminKubeconfigFile,
      dir,
      async issueServingCertificate(name, o) {
        const files = await issue(dir, name, `/CN=${name}`, [sanExtension(o.ips ?? [], o.dnsNames ?? []), 'extendedKeyUsage=serverAuth']);
        return { ...files, cert: await readFile(files.certFile, 'utf8'), key: await readFile(files.keyFile, 'utf8') };
      },
      async serviceAccountToken(namespace, serviceAccount, audiences = []) {
        const tr = await core.createNamespacedServiceAccountToken({ name: serviceAccount, namespace, body: { spec: { audiences, expirationSeconds: 3600 } } });
        const token = tr.status?.token;
        if (token === undefined) throw new Error(`TokenRequest for ${namespace}/${serviceAccount} returned no token`);
        return token;
      },
      kubeConfigForToken(token) {
        const kc = new KubeConfig();
        kc.loadFromString(JSON.stringify(kubeconfigObject(server, ca, { token })));
        return kc;
      },
      async createNamespace(name, labels = {}, annotations = {}) {
        await core.createNamespace({ body: { metadata: { name, labels, annotations } } });
        if (binaries.kcm !== undefined) {
          // The serviceaccount controller makes `default`; pods are refused until it exists.
          const deadline = Date.now() + 30_000;
          while (Date.now() < deadline) {
            const found = await core.readNamespacedServiceAccount({ name: 'default', namespace: name }).then(() => true, () => false);
            if (found) return;
            await new Promise((r) => setTimeout(r, 100));
          }
          throw new Error(`the controller manager made no default ServiceAccount in ${name} within 30 s`);
        }
        await core.createNamespacedServiceAccount({ namespace: name, body: { metadata: { name: 'default' } } });
      },
      async stopApiServer() {
        await apiserver?.stop('SIGTERM', 10_000);
        apiserver = undefined;
      },
      startApiServer,
      apiServerLog: () => apiserver?.stderr() ?? '',
      apiServerPid: () => apiserver?.child.pid,
      stop: stopAll,
    };
    return plane;
  } catch (error) {
    await stopAll();
    throw error;
  }
}
