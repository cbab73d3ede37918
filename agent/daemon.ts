/**
 * The agent daemon: checks what the node allows, runs bpftrace under supervision, turns
 * every batch of kernel counts into edges, and serves/exports them until SIGTERM.
 */
import { hostname } from 'node:os';
import { cloudVpsIdentity, profileByName, withExtraRules, type CloudVpsIdentity, type Profile } from '../topology/index.js';
import { loadRulesFile } from '../topology/rules-file.js';
import { Accounts, accountFromNss, cloudVpsClient, toolforgeClient, unitOfCgroup, type Client } from './attribution.js';
import { BpftraceSupervisor } from './bpftrace-supervisor.js';
import { CgroupPaths } from './cgroup-paths.js';
import { ConfigError, DEFAULT_NFS_PREFIXES, loadUidMap, type AgentConfig } from './config.js';
import { DependencyCounts } from './dependency-counts.js';
import { createRegistry, serveMetrics } from './exposition.js';
import { Health } from './health.js';
import { decodeKey, KEY_LAYOUTS } from './key-codec.js';
import { findLibraries } from './libraries.js';
import { Increments, type Batch } from './map-reader.js';
import { isOwnFiles, nameEvent } from './naming.js';
import { instanceId, startOtlpExport, type OtlpExport } from './otlp-export.js';
import { probeNode, groupsFor } from './preflight.js';
import { tellWorkingDirectories } from './process-cwd.js';
import { scanMarks, tellMarks, tellReady } from './process-marks.js';
import { buildProgram, mapAtLine, runnableGroups, type CountMap, type ProbeGroup } from './program.js';

/** The node's own libraries (Debian paths); containers' are found through /proc. */
const NODE_LIBRARIES = ['/lib/x86_64-linux-gnu/libc.so.6', '/lib/x86_64-linux-gnu/libssl.so.3', '/usr/lib/x86_64-linux-gnu/libc.so.6', '/usr/lib/x86_64-linux-gnu/libssl.so.3'];
const STRLEN = 64;
/**
 * How far into a request the Host header is looked for (it ends earlier at the blank line
 * after the headers). 512 keeps the verifier's work on the parsing programs near 130,000
 * of its 1,000,000 instructions here (256: 91,000); one 8-byte read per byte scanned.
 */
const HEADER_SCAN_BYTES = 512;
const MAX_SEEDED_MARKS = 4096;
const ENOSPC_E2BIG = -7;

export type Log = (line: string) => void;

export interface RunningAgent {
  metricsPort?: number;
  stop(): Promise<void>;
}

export async function startAgent(config: AgentConfig, log: Log): Promise<RunningAgent> {
  let profile: Profile = profileByName(config.profile);
  if (config.extraRules !== undefined) profile = withExtraRules(profile, await loadRulesFile(config.extraRules));
  const uidMap = config.uidMap === undefined ? new Map<number, string>() : await loadUidMap(config.uidMap);
  let identity: CloudVpsIdentity | undefined;
  if (profile.platform === 'cloudvps') {
    const fqdn = config.fqdn ?? hostname();
    identity = cloudVpsIdentity(fqdn);
    if (identity === undefined) throw new ConfigError(`fqdn: ${JSON.stringify(fqdn)} is not a Cloud VPS name <vm>.<project>.<deployment>.wikimedia.cloud (set fqdn in the config)`);
  }
  const nfsPrefixes = config.nfsPrefixes ?? DEFAULT_NFS_PREFIXES[config.profile];

  const health = new Health();
  const counts = new DependencyCounts(config.holdNewSeriesSeconds * 1000);
  const accounts = new Accounts(accountFromNss, uidMap);
  const cgroups = new CgroupPaths();
  const increments = new Increments();

  const features = probeNode(config.bpftrace);
  const { groups, problems } = groupsFor(features);
  for (const problem of problems) log(`agent: ${problem}`);
  const disabled = new Set<ProbeGroup>();

  let libraryIds = '';
  let libraryNote = '';
  const build = async (): Promise<string> => {
    const libraries = await findLibraries({ bpftrace: config.bpftrace, minUid: config.minUid, limit: config.maxLibraries, defaults: NODE_LIBRARIES });
    libraryIds = libraries.ids.join(',');
    if (libraries.skipped > 0 && libraryNote === '') {
      libraryNote = `agent: ${libraries.skipped} library files over the limit of ${config.maxLibraries} per kind (maxLibraries) get no uprobes`;
      log(libraryNote);
    }
    const wanted = new Set([...groups].filter((g) => !disabled.has(g)));
    const input = {
      groups: wanted,
      minUid: config.minUid,
      intervalSeconds: config.interval,
      keyByCgroup: profile.platform === 'cloudvps',
      nfsPrefixes,
      libc: libraries.libc,
      libssl: libraries.libssl,
      seedMarks: scanMarks(config.preloadMarker, MAX_SEEDED_MARKS),
      strlen: STRLEN,
      headerScanBytes: HEADER_SCAN_BYTES,
      daemonPid: process.pid,
    };
    const running = runnableGroups(input);
    for (const group of health.probesAttached.keys()) health.probesAttached.set(group, 0);
    pendingGroups = running;
    health.librariesAttached = libraries.libc.length + libraries.libssl.length;
    return buildProgram(input);
  };
  let pendingGroups = new Set<ProbeGroup>();

  const handleBatch = async (run: number, batch: Batch): Promise<void> => {
    const now = Date.now();
    const events: Array<{ map: CountMap; key: string; increment: number }> = [];
    for (const [map, key, increment] of increments.of(run, batch)) {
      if (map in KEY_LAYOUTS) events.push({ map: map as CountMap, key, increment });
    }
    const named = [];
    for (const event of events) {
      const key = decodeKey(event.key, KEY_LAYOUTS[event.map]);
      if (key === undefined) {
        health.undecodableKeys += event.increment;
        continue;
      }
      const found = nameEvent(event.map, key, profile);
      if (found !== undefined) named.push({ event: found, increment: event.increment });
    }
    await accounts.prepare(named.map((n) => n.event.uid), now);
    for (const { event, increment } of named) {
      let client: Client | string;
      if (identity !== undefined) {
        const path = cgroups.path(event.cgroup, now);
        client = cloudVpsClient(identity, path === undefined ? undefined : unitOfCgroup(path, (uid) => accounts.account(uid)?.[0]));
      } else {
        client = toolforgeClient(accounts, event.uid, profile);
      }
      if (typeof client === 'string') {
        health.countUnattributed(client, increment);
        continue;
      }
      if (isOwnFiles(event, client.tool)) continue;
      const labels = { tool: client.tool, dependency: event.destination.node, detail: event.destination.detail ?? '', unit: event.unit, ...(client.clientDetail !== undefined ? { clientDetail: client.clientDetail } : {}) };
      counts.add(labels, event.failureOnly ? 0 : increment, event.failed ? increment : 0, now);
    }
    counts.release(now);
  };

  let readyRun = 0;
  let attachedProbes = 0;
  let spawnedAt = Date.now();
  // Batches are handled one after another: the uid lookups are asynchronous.
  let queue: Promise<void> = Promise.resolve();
  const supervisor = new BpftraceSupervisor({
    bpftrace: config.bpftrace,
    env: { BPFTRACE_MAP_KEYS_MAX: String(config.mapEntries), BPFTRACE_STRLEN: String(STRLEN) },
    build,
    restartDelayMs: 250,
    log,
    onSpawn: (run, pid) => {
      spawnedAt = Date.now();
      log(`agent: bpftrace run ${run} (pid ${pid}) is loading its probes`);
    },
    onOutput: (output, run, program) => {
      switch (output.type) {
        case 'probes-attached': {
          readyRun = run;
          health.running = 1;
          health.newRun();
          for (const group of pendingGroups) health.probesAttached.set(group, 1);
          const loading = ((Date.now() - spawnedAt) / 1000).toFixed(1);
          // Processes that exec'd while the program was loading missed the execve probe:
          // their marks and working directories are told to the program now.
          const marks = scanMarks(config.preloadMarker, MAX_SEEDED_MARKS);
          tellMarks(marks);
          const dirs = pendingGroups.has('files') ? tellWorkingDirectories(config.minUid) : 0;
          // Only now does the program count: before, a connect could be seen without its lookup.
          tellReady();
          log(`agent: bpftrace run ${run} (pid ${supervisor.pid ?? '?'}) attached ${attachedProbes} probes (${[...pendingGroups].join(', ')}) ${loading} s after it started; ${marks.size} opt-out marks and ${dirs} working directories read again`);
          break;
        }
        case 'batch': {
          if (readyRun !== run) break;
          const asked = output.batch.maps.get('cwdask');
          if (asked !== undefined) tellWorkingDirectories(config.minUid, Object.keys(asked).map(Number));
          queue = queue.then(() => handleBatch(run, output.batch)).catch((error: Error) => log(`agent: reading counts failed: ${error.message}`));
          break;
        }
        case 'attached':
          attachedProbes = output.probes;
          break;
        case 'lost':
          health.eventsLost += output.events;
          break;
        case 'helper-error':
          if (output.retcode === ENOSPC_E2BIG) health.countOverflow(mapAtLine(program, output.line, output.col) ?? 'unknown');
          break;
        case 'other':
          break;
      }
    },
    onStderr: (line, run) => log(`bpftrace[${run}]: ${line}`),
    onRunLost: (run, attached, how) => {
      health.running = 0;
      for (const group of health.probesAttached.keys()) health.probesAttached.set(group, 0);
      health.restarts++;
      const ended = how === 'exiting' ? 'is exiting' : 'closed its output';
      log(`agent: bpftrace run ${run} ${ended}${attached ? '' : ' before attaching its probes'}; starting it again`);
    },
    onExit: (run, code, signal) => log(`agent: bpftrace run ${run} exited (${signal ?? `exit ${code}`})`),
  });

  let metricsPort: number | undefined;
  let closeMetrics = async (): Promise<void> => {};
  if (config.metricsListen !== undefined) {
    const colon = config.metricsListen.lastIndexOf(':');
    const host = config.metricsListen.slice(0, colon).replace(/^\[|\]$/g, '');
    const served = await serveMetrics(createRegistry(counts, health), host, Number(config.metricsListen.slice(colon + 1)));
    metricsPort = served.port;
    closeMetrics = () => new Promise((resolve) => served.server.close(() => resolve()));
    log(`agent: serving http://${config.metricsListen.slice(0, colon)}:${metricsPort}/metrics`);
  }
  let otlp: OtlpExport | undefined;
  if (config.otlpEndpoint !== undefined) {
    const instance = instanceId(process.env, hostname());
    otlp = startOtlpExport({ endpoint: config.otlpEndpoint, intervalSeconds: config.interval, counts, health, hostName: hostname(), instanceId: instance });
    log(`agent: exporting OTLP metrics to ${config.otlpEndpoint} as service.instance.id ${instance}`);
  }

  if (groups.size > 0) await supervisor.start();
  // New library files (a container started with its own libssl) need a new program.
  const scan = setInterval(() => {
    void findLibraries({ bpftrace: config.bpftrace, minUid: config.minUid, limit: config.maxLibraries, defaults: NODE_LIBRARIES }).then((found) => {
      if (found.ids.join(',') !== libraryIds && supervisor.pid !== undefined) {
        log(`agent: library files changed (${found.libc.length} libc, ${found.libssl.length} libssl); reloading probes`);
        void supervisor.restart();
      }
    });
  }, config.libraryScanSeconds * 1000);
  // Not unref'd: it keeps the daemon alive until stop() even with no probes and no
  // /metrics server (OTLP export only; its timer does not hold the event loop).

  return {
    metricsPort,
    stop: async () => {
      clearInterval(scan);
      await supervisor.stop(10_000);
      await queue;
      counts.releaseAll();
      await otlp?.shutdown();
      await closeMetrics();
    },
  };
}
