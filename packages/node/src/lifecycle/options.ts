/** The otelkit signal packages `start` knows. Each is an optional peer dependency, started only when installed. */
export type SignalPackage = 'tracing' | 'metrics' | 'logging' | 'errors';

/**
 * Every signal package, in the order `start` starts them: logging and errors first (starting them has no effect
 * that outlives a `shutdown`), then tracing, then metrics — after tracing, so that tracing's instrumentations, which
 * take the global meter provider when they are created, do not record a second `http.client.request.duration` beside
 * the one `@otelkit/metrics` records.
 */
export const SIGNAL_PACKAGES: readonly SignalPackage[] = ['logging', 'errors', 'tracing', 'metrics'];

/** Options of `start`. Everything is optional: the environment configures each package. */
export interface StartOptions {
  /**
   * Which signal packages to start. Without it, every installed one starts and the others are skipped silently; a
   * package named here that is not installed is a `ConfigError`. A function receives the installed ones.
   * @defaultValue every installed package of `tracing`, `metrics`, `logging`, `errors`
   * @example
   * ```ts
   * start({ packages: (installed) => installed.filter((name) => name !== 'metrics') });
   * ```
   */
  packages?: readonly SignalPackage[] | ((installed: readonly SignalPackage[]) => readonly SignalPackage[]);
  /**
   * Send `console.log/info/debug/warn/error` through `@otelkit/logging` as core-schema records (with the trace and
   * correlation ids of the request they were written in, and over OTLP when log export is on) instead of plain text.
   * Needs `@otelkit/logging`.
   * @defaultValue `OTELKIT_CONSOLE_CAPTURE`, else false
   */
  consoleCapture?: boolean;
  /**
   * Flush every started package on SIGTERM/SIGINT (then let the signal end the process as it would have) and once on
   * `beforeExit`. Turn off when the app calls `shutdown()` itself.
   * @defaultValue true
   */
  exitHandlers?: boolean;
  /**
   * The deadline of the flush on exit, and of `forceFlush()` / `shutdown()` called without one.
   * @defaultValue 5000
   */
  shutdownTimeoutMs?: number;
}

/** What `start` returns. */
export interface OtelkitNode {
  /** The packages that were started, in start order (empty when none is installed or `OTEL_SDK_DISABLED=true`). */
  readonly packages: readonly SignalPackage[];
  /** Exports what every started package holds; resolves by the deadline whatever happens. Never rejects. */
  forceFlush(timeoutMs?: number): Promise<void>;
  /** Flushes and stops every started package, removes the exit handlers and hooks. Idempotent; never rejects. */
  shutdown(timeoutMs?: number): Promise<void>;
}
