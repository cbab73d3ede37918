/** The agent's own state, exported beside the edges (`toolforge_agent_*`). */
import { PROBE_GROUPS, type ProbeGroup } from './program.js';

export class Health {
  /** Per probe group: 1 when its probes are attached in the running bpftrace. */
  readonly probesAttached = new Map<ProbeGroup, number>(PROBE_GROUPS.map((group) => [group, 0]));
  /** Library files (libc, libssl) uprobes are attached to. */
  librariesAttached = 0;
  /** Events the kernel could not hand to bpftrace (perf buffer full). */
  eventsLost = 0;
  /** Per count map: updates refused because the map was full (counted, never silent). */
  readonly mapOverflow = new Map<string, number>();
  /** Per count map: 1 while it has refused updates since the last restart. */
  readonly mapFull = new Map<string, number>();
  restarts = 0;
  /** Keys that did not fit their layout (see key-codec.ts). */
  undecodableKeys = 0;
  /** Events of a uid that is not a tool. */
  readonly unattributed = new Map<string, number>();
  /** 1 while bpftrace is running. */
  running = 0;

  countOverflow(map: string): void {
    this.mapOverflow.set(map, (this.mapOverflow.get(map) ?? 0) + 1);
    this.mapFull.set(map, 1);
  }

  countUnattributed(reason: string, events: number): void {
    this.unattributed.set(reason, (this.unattributed.get(reason) ?? 0) + events);
  }

  /** A new bpftrace run: maps are empty again. */
  newRun(): void {
    for (const map of this.mapFull.keys()) this.mapFull.set(map, 0);
  }
}
