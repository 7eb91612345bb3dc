import { type Context, context, TraceFlags } from '@opentelemetry/api';
import { type ExportResult, ExportResultCode, suppressTracing } from '@opentelemetry/core';
import type { ReadableSpan, Span, SpanExporter, SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { recordDropped, warnOnce } from '@otelkit/core';

/** Limits of the queue between span end and export (`OTEL_BSP_*`). */
export interface BatchLimits {
  maxQueueSize: number;
  maxExportBatchSize: number;
  scheduleDelayMs: number;
  exportTimeoutMs: number;
}

/** What the processor needs besides its limits. */
export interface BatchProcessorOptions extends BatchLimits {
  exporter: SpanExporter;
  /** Runs on each span just before export (redaction). Must not throw; a throw drops the span. */
  prepare?: (span: ReadableSpan) => void;
  /** Names the destination in warnings. */
  destination: string;
}

/** A span processor whose backlog can be observed (for the exit flush). */
export interface ObservableSpanProcessor extends SpanProcessor {
  /** Spans queued or being exported right now. */
  pending(): number;
  /** Exports everything queued now, within `timeoutMs`. Never rejects. */
  forceFlush(timeoutMs?: number): Promise<void>;
  /** Flushes within `timeoutMs`, counts what is left as dropped, and shuts the exporter down. */
  shutdown(timeoutMs?: number): Promise<void>;
}

/**
 * The batch span processor of the stock SDK, reduced to what otelkit needs and made accountable: a bounded queue
 * (spans beyond `maxQueueSize` are dropped, not buffered), one export at a time, each export bounded by
 * `exportTimeoutMs`, and every lost span counted with core's `recordDropped` under its reason (`queue_full`,
 * `export_failed`, `export_timeout`, `shutdown`) and reported by one rate-limited `warnOnce` per reason.
 */
class BoundedBatchProcessor implements ObservableSpanProcessor {
  readonly #o: BatchProcessorOptions;
  #queue: ReadableSpan[] = [];
  #timer: ReturnType<typeof setTimeout> | undefined;
  #exporting: Promise<void> | undefined;
  #inExport = 0;
  #queueFullDrops = 0;
  #shutdown: Promise<void> | undefined;
  readonly #suppressed: Context;

  constructor(options: BatchProcessorOptions) {
    this.#o = options;
    this.#suppressed = suppressTracing(context.active());
  }

  onStart(_span: Span, _parentContext: Context): void {}

  onEnd(span: ReadableSpan): void {
    if ((span.spanContext().traceFlags & TraceFlags.SAMPLED) === 0) return;
    if (this.#shutdown) {
      this.#lost(1, 'shutdown', 'a span ended after tracing was shut down');
      return;
    }
    const queue = this.#queue;
    if (queue.length >= this.#o.maxQueueSize) {
      recordDropped('spans', 1, 'queue_full');
      this.#queueFullDrops++;
      return;
    }
    queue.push(span);
    if (queue.length >= this.#o.maxExportBatchSize) this.#kick(false);
    else if (this.#timer === undefined) this.#arm();
  }

  pending(): number {
    return this.#queue.length + this.#inExport;
  }

  #arm(): void {
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.#kick(false);
    }, this.#o.scheduleDelayMs);
    this.#timer.unref?.();
  }

  /** Starts exporting unless an export is running (it picks up the rest when it ends). */
  #kick(all: boolean): Promise<void> {
    if (this.#exporting) return all ? this.#exporting.then(() => this.#kick(true)) : this.#exporting;
    if (this.#timer !== undefined) {
      clearTimeout(this.#timer);
      this.#timer = undefined;
    }
    this.#exporting = this.#drain(all).finally(() => {
      this.#exporting = undefined;
      if (this.#queue.length > 0 && this.#timer === undefined && !this.#shutdown) {
        if (this.#queue.length >= this.#o.maxExportBatchSize) void this.#kick(false);
        else this.#arm();
      }
    });
    return this.#exporting;
  }

  async #drain(all: boolean): Promise<void> {
    this.#reportQueueDrops();
    do {
      const batch = this.#queue.splice(0, this.#o.maxExportBatchSize);
      if (batch.length === 0) return;
      await this.#export(batch);
    } while (all || this.#queue.length >= this.#o.maxExportBatchSize);
  }

  #export(batch: ReadableSpan[]): Promise<void> {
    const prepare = this.#o.prepare;
    let spans = batch;
    if (prepare) {
      spans = [];
      for (const span of batch) {
        try {
          prepare(span);
          spans.push(span);
        } catch {
          this.#lost(1, 'prepare_failed', 'a span could not be redacted and was not exported');
        }
      }
    }
    if (spans.length === 0) return Promise.resolve();
    this.#inExport = spans.length;
    return new Promise<void>((resolve) => {
      let settled = false;
      const settle = (result: ExportResult | 'timeout') => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        this.#inExport = 0;
        if (result === 'timeout') {
          this.#lost(spans.length, 'export_timeout', `span export took longer than ${this.#o.exportTimeoutMs} ms`);
        } else if (result.code !== ExportResultCode.SUCCESS) {
          const message = result.error?.message ?? 'unknown error';
          this.#lost(spans.length, 'export_failed', `could not export spans to ${this.#o.destination}: ${message}`);
        }
        resolve();
      };
      const timer = setTimeout(() => settle('timeout'), this.#o.exportTimeoutMs);
      timer.unref?.();
      context.with(this.#suppressed, () => {
        try {
          this.#o.exporter.export(spans, settle);
        } catch (error) {
          settle({ code: ExportResultCode.FAILED, error: error as Error });
        }
      });
    });
  }

  #reportQueueDrops(): void {
    if (this.#queueFullDrops === 0) return;
    const n = this.#queueFullDrops;
    this.#queueFullDrops = 0;
    warnOnce('tracing.dropped.queue_full', `span queue full (maxQueueSize ${this.#o.maxQueueSize}); spans dropped`, {
      dropped: n,
    });
  }

  #lost(count: number, reason: string, message: string): void {
    recordDropped('spans', count, reason);
    warnOnce(`tracing.dropped.${reason}`, `${message}; ${count} span(s) dropped`, { dropped: count, reason });
  }

  /** Exports everything queued now, within `timeoutMs`. Never rejects. */
  async forceFlush(timeoutMs = this.#o.exportTimeoutMs): Promise<void> {
    await withDeadline(
      this.#kick(true).then(() => this.#o.exporter.forceFlush?.()),
      timeoutMs,
    );
    this.#reportQueueDrops();
  }

  shutdown(timeoutMs = this.#o.exportTimeoutMs): Promise<void> {
    this.#shutdown ??= (async () => {
      const started = Date.now();
      // No more backoff waits: with the collector down, shutting down must not take the whole deadline.
      (this.#o.exporter as { stopRetrying?: () => void }).stopRetrying?.();
      await withDeadline(this.#kick(true), timeoutMs);
      // Spans still in an export are counted by that export if it fails; only the unsent ones are lost here.
      const left = this.#queue.length;
      if (left > 0) this.#lost(left, 'shutdown', 'tracing shut down before every span was exported');
      this.#queue = [];
      await withDeadline(Promise.resolve(this.#o.exporter.shutdown()), Math.max(0, timeoutMs - (Date.now() - started)));
    })();
    return this.#shutdown;
  }
}

async function withDeadline(work: Promise<unknown>, ms: number): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, ms);
  });
  try {
    await Promise.race([work.then(noop, noop), deadline]);
  } finally {
    clearTimeout(timer);
  }
}

function noop(): void {}

/**
 * Creates the bounded batch processor.
 *
 * @example
 * ```ts
 * const processor = createBatchProcessor({ exporter, destination: url, maxQueueSize: 2048, maxExportBatchSize: 512,
 *   scheduleDelayMs: 5000, exportTimeoutMs: 30_000 });
 * ```
 */
export function createBatchProcessor(options: BatchProcessorOptions): ObservableSpanProcessor {
  return new BoundedBatchProcessor(options);
}
