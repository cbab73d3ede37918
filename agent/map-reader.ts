/**
 * Reads bpftrace's `-f json` output line by line: map prints grouped into batches (the
 * program ends each with `printf("batch-end")`), lost events, helper errors (a failed map
 * update: the map is full), the number of attached probes. No I/O: the supervisor feeds
 * lines in.
 */
export interface Batch {
  /** Map name without '@' -> key text -> cumulative count since this bpftrace started. */
  maps: Map<string, Record<string, number>>;
}

export type BpftraceOutput =
  | { type: 'batch'; batch: Batch }
  /** BEGIN's line: bpftrace 0.17 lets it out once every probe is attached (BEGIN itself ran first). */
  | { type: 'probes-attached' }
  | { type: 'attached'; probes: number }
  | { type: 'lost'; events: number }
  | { type: 'helper-error'; helper: string; retcode: number; line: number; col: number }
  | { type: 'other'; text: string };

export class OutputReader {
  private pending = new Map<string, Record<string, number>>();

  /** One line of bpftrace's stdout -> what it says (map lines are held until the batch ends). */
  read(line: string): BpftraceOutput | undefined {
    const text = line.trim();
    if (text === '') return undefined;
    let message: { type?: string; data?: unknown; helper?: string; retcode?: number; line?: number; col?: number };
    try {
      message = JSON.parse(text) as typeof message;
    } catch {
      return { type: 'other', text };
    }
    switch (message.type) {
      case 'map': {
        for (const [name, value] of Object.entries((message.data ?? {}) as Record<string, unknown>)) {
          if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
            this.pending.set(name.replace(/^@/, ''), value as Record<string, number>);
          }
        }
        return undefined;
      }
      case 'printf':
        if (message.data === 'batch-end') {
          const batch = { maps: this.pending };
          this.pending = new Map();
          return { type: 'batch', batch };
        }
        if (message.data === 'probes-attached') return { type: 'probes-attached' };
        return { type: 'other', text: String(message.data) };
      case 'attached_probes':
        return { type: 'attached', probes: Number((message.data as { probes?: number })?.probes ?? 0) };
      case 'lost_events':
        return { type: 'lost', events: Number((message.data as { events?: number })?.events ?? 0) };
      case 'helper_error':
        return { type: 'helper-error', helper: String(message.helper), retcode: Number(message.retcode), line: Number(message.line), col: Number(message.col) };
      default:
        return { type: 'other', text };
    }
  }
}

/**
 * Turns cumulative per-run counts into increments. Kernel maps are never cleared while
 * bpftrace runs (clearing between print and reset would lose events), so each batch holds
 * totals since that run started; a new run (restart) starts from zero.
 */
export class Increments {
  private last = new Map<string, number>();
  private run = -1;

  /** [map, key, increment] for every key that grew since the previous batch of the same run. */
  *of(run: number, batch: Batch): Generator<[string, string, number]> {
    if (run !== this.run) {
      this.run = run;
      this.last = new Map();
    }
    for (const [map, entries] of batch.maps) {
      for (const [key, value] of Object.entries(entries)) {
        if (typeof value !== 'number' || !Number.isFinite(value)) continue;
        const id = `${map}\u0000${key}`;
        const before = this.last.get(id) ?? 0;
        if (value > before) {
          this.last.set(id, value);
          yield [map, key, value - before];
        }
      }
    }
  }
}
