import type { RedactorOptions } from '@otelkit/core';

/** A Sentry event as `beforeSend` sees it. Typed loosely so that `@sentry/node` stays an optional peer. */
export type SentryEvent = Record<string, unknown>;

/** A user hook over outgoing Sentry events; `null` drops the event. Runs after otelkit's scrubbing. */
export type SentryEventHook = (
  event: SentryEvent,
  hint: unknown,
) => SentryEvent | null | PromiseLike<SentryEvent | null>;

/** A Sentry integration object (`Sentry.xxxIntegration()`), typed loosely. */
export interface SentryIntegrationLike {
  name: string;
}

/** Where the local ERROR record goes: anything with a `write(line)` method, such as `process.stdout`. */
export interface LineSink {
  write(line: string): unknown;
}

/** Options of {@link initErrors}. Every field is optional; precedence is code, then environment, then default. */
export interface ErrorsOptions {
  /**
   * Sentry DSN. With a DSN, errors also go to Sentry through the real `@sentry/node` 11 SDK (an optional peer
   * dependency); without one, capture is local only (ERROR record + span event). `false` forces local mode even when
   * `SENTRY_DSN` is set.
   * @defaultValue `SENTRY_DSN`
   */
  dsn?: string | false;
  /**
   * Share of error events sent to Sentry (0–1). Local capture is never sampled.
   * @defaultValue 1
   */
  sampleRate?: number;
  /**
   * How many of the most recent core-schema records (from `@otelkit/logging`, through core's record hook) travel with
   * a Sentry event as breadcrumbs. 0 turns breadcrumbs off.
   * @defaultValue 30
   */
  maxBreadcrumbs?: number;
  /**
   * Request headers that may reach Sentry (case-insensitive). Everything else is left out; what passes still goes
   * through the redactor. An array adds to the defaults; a function receives the defaults and returns the whole list.
   * @defaultValue accept, accept-language, content-length, content-type, host, referer, user-agent, x-correlation-id,
   * x-request-id, traceparent
   */
  allowHeaders?: readonly string[] | ((defaults: readonly string[]) => readonly string[]);
  /**
   * Keep the user's email, IP address and username on Sentry events. Off, only the opaque `user.id` is sent.
   * @defaultValue false
   */
  sendUserPii?: boolean;
  /**
   * Redaction applied to every record, span event and Sentry event (keys, PII patterns).
   * @defaultValue `OTELKIT_REDACT_KEYS` and `OTELKIT_REDACT_PII` through core's configuration
   */
  redact?: RedactorOptions;
  /**
   * Capture `uncaughtException` and `unhandledRejection`, flush, and end the process as Node would (exit code 1 for an
   * uncaught exception and, in Node's default `--unhandled-rejections=throw` mode, for an unhandled rejection).
   * @defaultValue true
   */
  captureProcessErrors?: boolean;
  /**
   * Upper bound on the flush before a fatal exit, and the default of `flush()` / `shutdown()`.
   * @defaultValue 2000
   */
  flushTimeoutMs?: number;
  /**
   * How many envelopes may wait for or be in flight to Sentry. Beyond that, events are dropped and counted
   * (`recordDropped('events', n, 'queue_overflow')`).
   * @defaultValue 30
   */
  maxQueueSize?: number;
  /**
   * A request to the envelope endpoint that takes longer than this is abandoned and its events counted as dropped.
   * @defaultValue 5000
   */
  sendTimeoutMs?: number;
  /**
   * Where the local ERROR record (one core-schema JSON line per captured error) is written. `false` writes none.
   * @defaultValue process.stdout
   */
  log?: LineSink | false;
  /**
   * Extra Sentry integrations. An array adds to otelkit's defaults; a function receives the defaults and returns the
   * whole list.
   */
  integrations?: readonly SentryIntegrationLike[] | ((defaults: SentryIntegrationLike[]) => SentryIntegrationLike[]);
  /** Your own `beforeSend`; it runs after otelkit has scrubbed the event. */
  beforeSend?: SentryEventHook;
  /** Your own `beforeSendTransaction`; it runs after otelkit has scrubbed the transaction. */
  beforeSendTransaction?: SentryEventHook;
}
