/**
 * `@otelkit/errors`: error capture with one identity across logs, spans and Sentry. Every captured error gets core's
 * fingerprint and classification, the active trace and span id, and the correlation and user id of core's context —
 * on the ERROR record, on the span's exception event and, with a DSN, on the `@sentry/node` 11 event.
 *
 * @packageDocumentation
 */

import { warnOnce } from '@otelkit/core';
import type { CaptureContext, CaptureResult } from './capture/capture-types.js';
import { createReporter, type ErrorReporter, type InternalReporter } from './capture/reporter.js';
import type { ErrorsOptions } from './config/options.js';
import { resolveConfig } from './config/resolve-config.js';
import { reporterSlot } from './internal/active-reporter.js';
import { startSentry } from './sentry/sentry-binding.js';

export type { CaptureContext, CapturedRequest, CaptureResult } from './capture/capture-types.js';
export type { ErrorReporter } from './capture/reporter.js';
export type {
  ErrorsOptions,
  LineSink,
  SentryEvent,
  SentryEventHook,
  SentryIntegrationLike,
} from './config/options.js';
export { DEFAULT_ALLOWED_HEADERS } from './config/resolve-config.js';

/**
 * Starts error reporting for the process. With a DSN (`options.dsn` or `SENTRY_DSN`) errors also go to Sentry through
 * `@sentry/node` 11, set up to run beside the OpenTelemetry SDK (no tracer provider, propagator or http
 * instrumentation of its own); without one, capture is local. Also captures uncaught exceptions and unhandled
 * rejections (see `captureProcessErrors`). Throws {@link ConfigError} for invalid options; a second call while one
 * reporter is running warns once and returns the running one.
 *
 * @example
 * ```ts
 * import { initErrors, captureError } from '@otelkit/errors';
 *
 * const errors = initErrors(); // SENTRY_DSN set: Sentry mode; unset: local mode
 * try { charge(); } catch (e) { captureError(e, { context: { order_id: 'o-42' } }); }
 * await errors.shutdown();
 * ```
 */
export function initErrors(options: ErrorsOptions = {}): ErrorReporter {
  const slot = reporterSlot();
  if (slot.active) {
    warnOnce('errors.duplicate-init', 'initErrors() was called again; the running reporter is kept', {
      mode: slot.active.mode,
    });
    return slot.active;
  }
  const config = resolveConfig(options);
  const sentry = config.dsn !== undefined ? startSentry({ ...config, dsn: config.dsn }) : undefined;
  const reporter: InternalReporter = createReporter(config, sentry, () => {
    if (slot.active === reporter) slot.active = undefined;
  });
  slot.active = reporter;
  return reporter;
}

/**
 * Captures one error: an ERROR record of the core schema (on stdout by default), an `exception` event on the active
 * span, and — when {@link initErrors} was given a DSN — a Sentry event whose fingerprint is core's fingerprint. Before
 * `initErrors`, capture is local with default options. Never throws; the same error object is captured once.
 *
 * @example
 * ```ts
 * const { fingerprint, classification, eventId } = captureError(err, { context: { order_id: 'o-42' } });
 * ```
 */
export function captureError(error: unknown, context?: CaptureContext): CaptureResult {
  const slot = reporterSlot();
  let reporter = slot.active ?? slot.fallback;
  if (!reporter) {
    try {
      reporter = createReporter(resolveConfig({ dsn: false, captureProcessErrors: false }), undefined, () => {});
    } catch (e) {
      // A broken environment must not make capture throw: fall back to defaults that read nothing from it.
      warnOnce('errors.fallback-config', 'capturing with built-in defaults: the environment is invalid', {
        error: String(e),
      });
      reporter = createReporter(resolveConfig({ dsn: false, captureProcessErrors: false }, {}), undefined, () => {});
    }
    slot.fallback = reporter;
  }
  return reporter.capture(error, context, 'otelkit');
}
