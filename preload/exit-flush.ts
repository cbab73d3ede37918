import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import type { ReadableSpan, SpanExporter } from '@opentelemetry/sdk-trace-base';

/**
 * The exporter the batch processor talks to. Normally the configured one; once the
 * app's event loop is empty (`beforeExit`), a short-deadline twin, so a final flush
 * can delay a finishing job by at most `exitTimeoutMillis` and only when the
 * collector was not already seen failing. No signal handler is involved: a SIGTERM
 * still ends the app exactly as it would without the preload.
 */
export class ExitAwareExporter implements SpanExporter {
  private atExit: SpanExporter | undefined;
  private lastExportFailed = false;

  /** `createAtExit` runs only if the app reaches a natural exit with spans pending. */
  constructor(
    private readonly normal: SpanExporter,
    private readonly createAtExit: () => SpanExporter,
  ) {}

  export(spans: ReadableSpan[], done: (result: ExportResult) => void): void {
    const exporter = this.atExit ?? this.normal;
    exporter.export(spans, (result) => {
      this.lastExportFailed = result.code !== ExportResultCode.SUCCESS;
      done(result);
    });
  }

  /** Switches to the short deadline; false when a flush would only wait for a collector known to be failing. */
  prepareExitFlush(): boolean {
    if (this.lastExportFailed) return false;
    this.atExit ??= this.createAtExit();
    return true;
  }

  async shutdown(): Promise<void> {
    await Promise.all([this.normal.shutdown(), this.atExit?.shutdown()]);
  }

  async forceFlush(): Promise<void> {
    await Promise.all([this.normal.forceFlush?.(), this.atExit?.forceFlush?.()]);
  }
}
