import { existsSync } from 'node:fs';
import { access, constants, mkdir, stat, writeFile } from 'node:fs/promises';
import http from 'node:http';
import path from 'node:path';
import { requireBinary, SETUP_HINT } from '../binaries.js';
import { freePort } from '../ports.js';
import type { Account, HostsMap, PrivateNamespace } from '../private-namespace.js';
import { repoPath } from '../repo-paths.js';
import { startMariaDb } from '../services/mariadb.js';
import { startRedis } from '../services/redis.js';
import type { ChildSpec, Supervisor } from '../supervisor.js';
import { selfSignedCertificate } from '../tls.js';
import { DEMO_WIKI_HOSTS, DEMO_WIKIS, DUMPS_RELATIVE, FIRST_DEMO_UID, FLEET, TOOLSDB_DATABASE, type DemoTool } from './fleet.js';
import { startFrontProxy } from './front-proxy.js';
import { startWikiServer } from './wiki-server.js';

const MYSQL_USER = 's53001';
const MYSQL_PASSWORD = 'demo-only-password';

export interface DemoOptions {
  supervisor: Supervisor;
  /** This run's private folder. */
  dir: string;
  /** Made by the run with demoHosts(), demoAccounts() and writeDemoMountTree(dir). */
  namespace: PrivateNamespace;
  /** The preload as the run copied it (copyPreload). */
  preload: string;
  /** Where Node tools send their spans (the local collector). */
  otlpEndpoint: string;
  log(line: string): void;
}

export interface RunningDemo {
  /** The front proxy every `<tool>.toolforge.org` resolves to (loopback, this port). */
  frontProxyPort: number;
  stop(): Promise<void>;
}

/** Writes what the namespace's tmpfs on /mnt is filled from (the NFS dumps) and returns its folder. */
export async function writeDemoMountTree(dir: string): Promise<string> {
  const mnt = path.join(dir, 'mnt');
  await mkdir(path.dirname(path.join(mnt, DUMPS_RELATIVE)), { recursive: true });
  await writeFile(path.join(mnt, DUMPS_RELATIVE), '<feed><doc><title>Wikipedia: Main Page</title></doc></feed>\n');
  return mnt;
}

export const demoAccounts = (): Account[] => FLEET.map((tool, i) => ({ name: `tools.${tool.name}`, uid: FIRST_DEMO_UID + i }));

/**
 * Where each stand-in listens: a loopback address of its own, as each service has its own
 * address on Toolforge; every tool name goes to the front proxy, as there. The two replica
 * wikis share one (one MariaDB, as wikis share a replica section).
 */
export const DEMO_ADDRESSES = {
  replicas: '127.0.0.2',
  toolsdb: '127.0.0.3',
  redis: '127.0.0.4',
  wikis: '127.0.0.5',
  frontProxy: '127.0.0.6',
} as const;

/** Every Toolforge name the fleet uses, resolved to loopback inside its namespace. */
export function demoHosts(): HostsMap {
  const hosts: HostsMap = {
    'tools.db.svc.wikimedia.cloud': DEMO_ADDRESSES.toolsdb,
    'redis.svc.tools.eqiad1.wikimedia.cloud': DEMO_ADDRESSES.redis,
  };
  for (const wiki of DEMO_WIKIS) hosts[`${wiki}.analytics.db.svc.wikimedia.cloud`] = DEMO_ADDRESSES.replicas;
  for (const host of DEMO_WIKI_HOSTS) hosts[host] = DEMO_ADDRESSES.wikis;
  for (const tool of FLEET) hosts[`${tool.name}.toolforge.org`] = DEMO_ADDRESSES.frontProxy;
  return hosts;
}

const SEED = `
  CREATE DATABASE enwiki_p; CREATE TABLE enwiki_p.page (page_id INT PRIMARY KEY, page_title VARBINARY(255)); INSERT INTO enwiki_p.page VALUES (1, 'Main_Page');
  CREATE DATABASE dewiki_p; CREATE TABLE dewiki_p.page (page_id INT PRIMARY KEY, page_title VARBINARY(255)); INSERT INTO dewiki_p.page VALUES (1, 'Hauptseite');
  CREATE DATABASE ${TOOLSDB_DATABASE}; CREATE TABLE ${TOOLSDB_DATABASE}.hunts (id INT PRIMARY KEY); INSERT INTO ${TOOLSDB_DATABASE}.hunts VALUES (1);
  CREATE USER '${MYSQL_USER}'@'%' IDENTIFIED BY '${MYSQL_PASSWORD}'; GRANT ALL ON *.* TO '${MYSQL_USER}'@'%';
`;

/**
 * The demo fleet and its Toolforge stand-ins: MariaDB as the Wiki Replicas (two wikis) and
 * ToolsDB, Redis, an HTTPS wiki, the front proxy, the NFS dumps; the tools, each as its
 * own `tools.<name>` account when run as root; and end users opening the web tools.
 */
export async function startDemo(options: DemoOptions): Promise<RunningDemo> {
  const { supervisor, dir, log } = options;
  const python = requireBinary('python3', `Debian packages python3, python3-pymysql, python3-redis, python3-requests; ${SETUP_HINT}`);
  const php = requireBinary('php', `Debian packages php-cli, php-mysql, php-curl; ${SETUP_HINT}`);
  const curl = requireBinary('curl', `Debian package curl; ${SETUP_HINT}`);
  // Debian's python3 has the Debian modules; another one first on PATH (pyenv) may not.
  const debianPython = existsSync('/usr/bin/python3') ? '/usr/bin/python3' : python;

  log('demo: starting MariaDB (Wiki Replicas, ToolsDB) and Redis');
  const [mariadb, redis] = await Promise.all([
    startMariaDb(supervisor, path.join(dir, 'mariadb'), [DEMO_ADDRESSES.replicas, DEMO_ADDRESSES.toolsdb]),
    startRedis(supervisor, path.join(dir, 'redis'), DEMO_ADDRESSES.redis),
  ]);
  await mariadb.sql(SEED);
  const tlsDir = path.join(dir, 'tls');
  await mkdir(tlsDir, { recursive: true });
  const tls = await selfSignedCertificate(tlsDir, [...DEMO_WIKI_HOSTS]);
  const wiki = await startWikiServer(tls, DEMO_ADDRESSES.wikis);
  const proxy = await startFrontProxy(DEMO_ADDRESSES.frontProxy);

  const { namespace } = options;
  const accounts = demoAccounts();
  const { preload } = options;
  await assertReadableByTools(repoPath('local', 'demo', 'apps'));
  const shared: NodeJS.ProcessEnv = {
    PATH: '/usr/local/bin:/usr/bin:/bin',
    MYSQL_PORT: String(mariadb.port),
    MYSQL_USER,
    MYSQL_PASSWORD,
    TOOLSDB_DATABASE,
    REDIS_PORT: String(redis.port),
    WIKI_PORT: String(wiki.port),
    WIKI_CA_FILE: tls.certFile,
    CURL_CA_BUNDLE: tls.certFile,
    FRONT_PROXY_PORT: String(proxy.port),
    DUMPS_FILE: path.join('/mnt', DUMPS_RELATIVE),
  };

  for (const [i, tool] of FLEET.entries()) {
    const account = accounts[i]!;
    const port = tool.web ? await freePort() : undefined;
    if (port !== undefined) proxy.routes.set(`${tool.name}.toolforge.org`, port);
    const env: NodeJS.ProcessEnv = { ...shared, HOME: '/nonexistent', USER: account.name, ...(port !== undefined ? { PORT: String(port) } : {}) };
    const spec = toolCommand(tool, { env, port, preload, otlpEndpoint: options.otlpEndpoint, python: debianPython, php, curl, caFile: tls.certFile });
    const started = supervisor.start(namespace.wrap(spec, account));
    if (tool.web) await started.waitForOutput(tool.runtime === 'php' ? /Development Server .* started/ : /listening \d+/, 20_000);
    log(`demo: ${tool.name} (${tool.runtime}${tool.runtime === 'node' ? ', preload' : ', agent'}) started as ${account.name}`);
  }

  const driver = driveEndUsers(proxy.port, FLEET.filter((t) => t.endUsers));
  return {
    frontProxyPort: proxy.port,
    stop: async () => {
      clearInterval(driver);
      await proxy.stop();
      await wiki.stop();
    },
  };
}

/** Demo tools run as other accounts: the apps and their node_modules must be readable by everyone. */
async function assertReadableByTools(appsDir: string): Promise<void> {
  if (process.getuid?.() !== 0) return;
  for (let dir = appsDir; dir !== path.dirname(dir); dir = path.dirname(dir)) {
    const mode = (await stat(dir)).mode;
    if ((mode & 0o001) === 0) throw new Error(`the demo's tools run as their own accounts and cannot enter ${dir} (mode ${(mode & 0o777).toString(8)}): use a checkout every user can read, e.g. under /srv or /opt`);
  }
  await access(appsDir, constants.R_OK);
}

interface Launch {
  env: NodeJS.ProcessEnv;
  port: number | undefined;
  preload: string;
  otlpEndpoint: string;
  python: string;
  php: string;
  curl: string;
  caFile: string;
}

/** How each runtime is started: Node with the preload exactly as the webhook injects it, the rest as they are. */
function toolCommand(tool: DemoTool, launch: Launch): ChildSpec {
  const app = repoPath('local', 'demo', 'apps', tool.app);
  const name = `tool-${tool.name}`;
  switch (tool.runtime) {
    case 'node':
      return {
        name,
        command: process.execPath,
        args: [app],
        env: {
          ...launch.env,
          NODE_OPTIONS: `--require ${launch.preload}`,
          NODE_EXTRA_CA_CERTS: launch.caFile,
          OTEL_SERVICE_NAME: tool.name,
          OTEL_RESOURCE_ATTRIBUTES: `toolforge.tool=${tool.name},k8s.namespace.name=tool-${tool.name},toolforge.workload.kind=${tool.web ? 'web' : 'continuous'}`,
          OTEL_EXPORTER_OTLP_ENDPOINT: launch.otlpEndpoint,
          OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf',
          OTEL_BSP_SCHEDULE_DELAY: '1000',
          TOOLFORGE_TRACING_PROFILE: 'toolforge',
        },
      };
    case 'python':
      return { name, command: launch.python, args: ['-u', app], env: launch.env };
    case 'php':
      return { name, command: launch.php, args: ['-S', `127.0.0.1:${launch.port}`, app], env: launch.env };
    case 'shell':
      return { name, command: '/bin/sh', args: [app], env: launch.env };
  }
}

/** End users open each web tool once a second, through the front proxy (so no tool is their client). */
function driveEndUsers(proxyPort: number, tools: DemoTool[]): NodeJS.Timeout {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 2 });
  return setInterval(() => {
    for (const tool of tools) {
      http
        .get({ host: DEMO_ADDRESSES.frontProxy, port: proxyPort, path: '/', agent, headers: { host: `${tool.name}.toolforge.org` } }, (res) => res.resume())
        .on('error', () => undefined);
    }
  }, 1000).unref();
}
