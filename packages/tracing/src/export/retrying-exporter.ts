import { type ExportResult, ExportResultCode } from '@opentelemetry/core';
import type { ReadableSpan, SpanExporter } from '@opentelemetry/sdk-trace-base';
import { retryVerdict } from './grpc-status.js';

/** Options of {@link createRetryingExporter}. */
export interface RetryingExporterOptions {
  /** Creates the exporter on first use, so that gRPC is not loaded at start-up. */
  load: () => SpanExporter | Promise<SpanExporter>;
  /** The deadline of one export, retries included (`OTEL_EXPORTER_OTLP_TRACES_TIMEOUT`). */
  timeoutMs: number;
  /** @defaultValue 5 */
  maxAttempts?: number;
  /** @defaultValue 1000 */
  initialBackoffMs?: number;
  /** @defaultValue 5000 */
  maxBackoffMs?: number;
  /** Source of jitter, replaceable in tests. @defaultValue Math.random */
  random?: () => number;
}

const BACKOFF_MULTIPLIER = 1.5;
const JITTER = 0.2;

/**
 * A span exporter that retries what the OTLP specification calls transient failures, with exponential backoff and
 * jitter, inside one deadline per export. A success — partial or not — is final. A final failure is returned as
 * FAILED with the last error; the batch processor counts and reports the spans it loses.
 */
class RetryingExporter implements SpanExporter {
  readonly #options: Required<Omit<RetryingExporterOptions, 'load'>> & Pick<RetryingExporterOptions, 'load'>;
  #exporter: Promise<SpanExporter> | undefined;
  #stopping = false;
  readonly #sleepers = new Set<() => void>();
  readonly #inFlight = new Set<Promise<unknown>>();

  constructor(options: RetryingExporterOptions) {
    this.#options = {
      maxAttempts: 5,
      initialBackoffMs: 1000,
      maxBackoffMs: 5000,
      random: Math.random,
      ...options,
    };
  }

  export(spans: ReadableSpan[], resultCallback: (result: ExportResult) => void): void {
    const run = this.#run(spans, Date.now() + this.#options.timeoutMs);
    this.#inFlight.add(run);
    run.then(
      (result) => {
        this.#inFlight.delete(run);
        resultCallback(result);
      },
      (error: unknown) => {
        this.#inFlight.delete(run);
        resultCallback(this.#fail(error));
      },
    );
  }

  async #run(spans: ReadableSpan[], deadline: number): Promise<ExportResult> {
    let exporter: SpanExporter;
    try {
      this.#exporter ??= Promise.resolve(this.#options.load());
      exporter = await this.#exporter;
    } catch (error) {
      this.#exporter = undefined;
      return this.#fail(error);
    }
    for (let attempt = 1; ; attempt++) {
      const result = await new Promise<ExportResult>((resolve) => {
        try {
          exporter.export(spans, resolve);
        } catch (error) {
          resolve({ code: ExportResultCode.FAILED, error: error as Error });
        }
      });
      if (result.code === ExportResultCode.SUCCESS) return result;
      const verdict = retryVerdict(result.error);
      if (!verdict.retry || attempt >= this.#options.maxAttempts || this.#stopping) {
        return this.#fail(result.error);
      }
      const delayMs = verdict.delayMs ?? this.#backoff(attempt);
      if (Date.now() + delayMs >= deadline) return this.#fail(result.error);
      await this.#sleep(delayMs);
    }
  }

  #backoff(attempt: number): number {
    const { initialBackoffMs, maxBackoffMs, random } = this.#options;
    const base = Math.min(maxBackoffMs, initialBackoffMs * BACKOFF_MULTIPLIER ** (attempt - 1));
    return Math.max(0, Math.round(base * (1 - JITTER + 2 * JITTER * random())));
  }

  #sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const wake = () => {
        clearTimeout(timer);
        this.#sleepers.delete(wake);
        resolve();
      };
      const timer = setTimeout(wake, ms);
      timer.unref?.();
      this.#sleepers.add(wake);
    });
  }

  #fail(error: unknown): ExportResult {
    return { code: ExportResultCode.FAILED, error: error instanceof Error ? error : new Error(String(error)) };
  }

  /** Skips the remaining backoff waits: each pending export makes one last attempt now, and none retries again. */
  stopRetrying(): void {
    this.#stopping = true;
    for (const wake of [...this.#sleepers]) wake();
  }

  async forceFlush(): Promise<void> {
    await Promise.allSettled([...this.#inFlight]);
    const exporter = await this.#exporter?.catch(() => undefined);
    await exporter?.forceFlush?.();
  }

  async shutdown(): Promise<void> {
    this.stopRetrying();
    await Promise.allSettled([...this.#inFlight]);
    const exporter = await this.#exporter?.catch(() => undefined);
    await exporter?.shutdown();
  }
}

/**
 * Wraps a (lazily created) span exporter with OTLP-specification retries.
 *
 * @example
 * ```ts
 * const exporter = createRetryingExporter({ load: () => new OTLPTraceExporter({ url }), timeoutMs: 10_000 });
 * ```
 */
export function createRetryingExporter(options: RetryingExporterOptions): SpanExporter {
  return new RetryingExporter(options);
}
