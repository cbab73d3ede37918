import path from 'node:path';
import { startMariaDb, type MariaDbServer } from './mariadb.js';
import { DEFAULT_NODE, nodeBinary, type NodeMajor } from './node-runtimes.js';
import { startOtlpReceiver, type OtlpReceiver, type ReceiverOptions } from './otlp-receiver.js';
import { preloadPath, repoRoot } from './preload-bundle.js';
import { privateHosts, type HostsMap } from './private-hosts.js';
import { startProcess, type ManagedProcess, type ProcessSpec } from './processes.js';
import { startRedis, type RedisServer } from './redis.js';
import { makeTempDir, type TempDir } from './temp-dir.js';
import { selfSignedCertificate, type TlsFiles } from './tls.js';

/**
 * A small Toolforge on loopback: real MariaDB standing in for the Wiki Replicas and
 * ToolsDB, real Redis, an HTTPS MediaWiki-like API, an OTLP receiver, and the
 * Toolforge host names resolved to 127.0.0.1 for the processes it starts (private
 * mount namespace). Tool apps run with the built preload via NODE_OPTIONS, as the
 * webhook injects it.
 */
export const HOSTS = {
  replica: 'enwiki.analytics.db.svc.wikimedia.cloud',
  toolsdb: 'tools.db.svc.wikimedia.cloud',
  redis: 'redis.svc.tools.eqiad1.wikimedia.cloud',
  wiki: 'en.wikipedia.org',
} as const;

export const MYSQL_USER = 's51234';
export const MYSQL_PASSWORD = 'tool-db-password';

export const fixtureApp = (relative: string): string => path.join(repoRoot, 'tests', 'fixtures', 'apps', relative);

export interface WorldOptions {
  /** Tool names that get `<tool>.toolforge.org` -> 127.0.0.1. */
  tools?: string[];
  mariadb?: boolean;
  redis?: boolean;
  wiki?: boolean;
  receiver?: ReceiverOptions;
}

export interface ToolSpec {
  tool: string;
  /** Path of the app (see fixtureApp). */
  app: string;
  node?: NodeMajor;
  /** Extra environment; `undefined` values remove a variable. */
  env?: Record<string, string | undefined>;
  /** false: run without the preload (baselines). */
  preload?: boolean;
}

export interface RunningTool {
  process: ManagedProcess;
  port: number;
  /** http://<tool>.toolforge.org:<port> (resolvable inside the world only). */
  url: string;
  stop(): Promise<void>;
}

export interface ToolforgeWorld {
  dir: TempDir;
  preload: string;
  receiver: OtlpReceiver;
  mariadb: MariaDbServer | undefined;
  redis: RedisServer | undefined;
  tls: TlsFiles | undefined;
  /** https://en.wikipedia.org:<port> */
  wikiUrl: string | undefined;
  /** Wraps a process spec to run with the world's /etc/hosts. */
  inWorld(spec: ProcessSpec): ProcessSpec;
  /** Environment a tool app gets: the webhook's OTEL_* variables plus where the services are. */
  toolEnv(tool: string, extra?: Record<string, string | undefined>): NodeJS.ProcessEnv;
  startTool(spec: ToolSpec): Promise<RunningTool>;
  stop(): Promise<void>;
}

async function seedDatabases(db: MariaDbServer): Promise<void> {
  await db.sql(`
    CREATE DATABASE enwiki_p;
    CREATE TABLE enwiki_p.page (page_id INT PRIMARY KEY, page_title VARBINARY(255));
    INSERT INTO enwiki_p.page VALUES (42, 'Secret_Title');
    CREATE DATABASE s51234__mytool;
    CREATE TABLE s51234__mytool.notes (owner VARCHAR(100), note TEXT);
    INSERT INTO s51234__mytool.notes VALUES ('alice@example.org', 'hello');
    CREATE USER '${MYSQL_USER}'@'%' IDENTIFIED BY '${MYSQL_PASSWORD}';
    GRANT ALL ON *.* TO '${MYSQL_USER}'@'%';
  `);
}

export async function startToolforgeWorld(options: WorldOptions = {}): Promise<ToolforgeWorld> {
  const stops: Array<() => Promise<void>> = [];
  const stopAll = async (): Promise<void> => {
    for (const stop of stops.reverse()) await stop().catch(() => undefined);
  };
  try {
    const dir = await makeTempDir('world');
    stops.push(() => dir.remove());
    const preload = await preloadPath();
    const receiver = await startOtlpReceiver(options.receiver);
    stops.push(() => receiver.stop());
    const hosts: HostsMap = {};
    for (const tool of options.tools ?? []) hosts[`${tool}.toolforge.org`] = '127.0.0.1';
    let mariadb: MariaDbServer | undefined;
    if (options.mariadb) {
      mariadb = await startMariaDb();
      stops.push(() => mariadb!.stop());
      await seedDatabases(mariadb);
      hosts[HOSTS.replica] = '127.0.0.1';
      hosts[HOSTS.toolsdb] = '127.0.0.1';
    }
    let redis: RedisServer | undefined;
    if (options.redis) {
      redis = await startRedis();
      stops.push(() => redis!.stop());
      hosts[HOSTS.redis] = '127.0.0.1';
    }
    let tls: TlsFiles | undefined;
    let wikiUrl: string | undefined;
    if (options.wiki) {
      tls = await selfSignedCertificate(dir.path, [HOSTS.wiki, '*.wikipedia.org']);
      const wiki = startProcess({
        name: 'mediawiki-like server',
        command: process.execPath,
        args: [fixtureApp('mediawiki/server.mjs')],
        env: { PATH: process.env.PATH, TLS_CERT_FILE: tls.certFile, TLS_KEY_FILE: tls.keyFile },
      });
      stops.push(async () => {
        await wiki.stop();
      });
      const port = (await wiki.waitForOutput(/listening (\d+)/))[1];
      wikiUrl = `https://${HOSTS.wiki}:${port}`;
      hosts[HOSTS.wiki] = '127.0.0.1';
    }
    const inWorld = await privateHosts(dir.path, hosts);

    const toolEnv = (tool: string, extra: Record<string, string | undefined> = {}): NodeJS.ProcessEnv => {
      const env: NodeJS.ProcessEnv = {
        PATH: process.env.PATH,
        HOME: dir.path,
        OTEL_SERVICE_NAME: tool,
        OTEL_RESOURCE_ATTRIBUTES: [
          `toolforge.tool=${tool}`,
          `k8s.namespace.name=tool-${tool}`,
          `k8s.pod.name=${tool}-7d9f-abcde`,
          'k8s.container.name=webservice',
          'k8s.node.name=tools-k8s-worker-nfs-1',
          'toolforge.workload.kind=web',
        ].join(','),
        OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint,
        OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf',
        OTEL_BSP_SCHEDULE_DELAY: '200',
        MYSQL_USER,
        MYSQL_PASSWORD,
      };
      if (mariadb) Object.assign(env, { REPLICA_HOST: HOSTS.replica, TOOLSDB_HOST: HOSTS.toolsdb, MYSQL_PORT: String(mariadb.port) });
      if (redis) Object.assign(env, { REDIS_HOST: HOSTS.redis, REDIS_PORT: String(redis.port) });
      if (tls && wikiUrl) Object.assign(env, { WIKI_URL: wikiUrl, NODE_EXTRA_CA_CERTS: tls.certFile });
      for (const [k, v] of Object.entries(extra)) {
        if (v === undefined) delete env[k];
        else env[k] = v;
      }
      return env;
    };

    const startTool = async (spec: ToolSpec): Promise<RunningTool> => {
      const env = toolEnv(spec.tool, spec.env);
      if (spec.preload !== false) env.NODE_OPTIONS = `--require ${preload}`;
      const proc = startProcess(
        inWorld({ name: `${spec.tool} (${path.basename(spec.app)})`, command: nodeBinary(spec.node ?? DEFAULT_NODE), args: [spec.app], env }),
      );
      const stop = async (): Promise<void> => {
        await proc.stop();
      };
      stops.push(stop);
      const port = Number((await proc.waitForOutput(/listening (\d+)/))[1]);
      return { process: proc, port, url: `http://${spec.tool}.toolforge.org:${port}`, stop };
    };

    return { dir, preload, receiver, mariadb, redis, tls, wikiUrl, inWorld, toolEnv, startTool, stop: stopAll };
  } catch (err) {
    await stopAll();
    throw err;
  }
}
