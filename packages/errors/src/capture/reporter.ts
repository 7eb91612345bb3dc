import { type ErrorClassification, warnOnce } from '@otelkit/core';
import type { ErrorsConfig } from '../config/resolve-config.js';
import { installProcessHandlers } from '../process/process-handlers.js';
import type { SentryBinding } from '../sentry/sentry-binding.js';
import { captureFacts, recordLine, redactedError } from './capture-facts.js';
import type { CaptureContext, CaptureResult } from './capture-types.js';
import { addExceptionEvent } from './span-event.js';

/** A running error reporter: what {@link initErrors} returns. */
export interface ErrorReporter {
  /** `sentry` when a DSN was configured, `local` otherwise. */
  readonly mode: 'sentry' | 'local';
  /** Same as the package's `captureError`, bound to this reporter. */
  captureError(error: unknown, context?: CaptureContext): CaptureResult;
  /** Waits until queued Sentry events are sent, at most `timeoutMs`. Resolves false when the deadline won. */
  flush(timeoutMs?: number): Promise<boolean>;
  /** Flushes, removes the process handlers and the breadcrumb hook, and closes Sentry. Idempotent. */
  shutdown(timeoutMs?: number): Promise<boolean>;
}

/** The reporter plus what only otelkit's own modules call. */
export interface InternalReporter extends ErrorReporter {
  capture(error: unknown, context: CaptureContext | undefined, mechanism: string): CaptureResult;
}

const FALLBACK_CLASSIFICATION: ErrorClassification = { severity: 'medium', category: 'runtime', retryable: false };

/**
 * Builds the one capture path every mode shares: facts once, then the Sentry event (when bound), the span event and
 * the ERROR record, each guarded so that one failing sink never stops the others nor reaches the caller.
 */
export function createReporter(
  config: ErrorsConfig,
  sentry: SentryBinding | undefined,
  onShutdown: () => void,
): InternalReporter {
  const seen = new WeakMap<object, CaptureResult>();
  let uninstall: (() => void) | undefined;
  let closed: Promise<boolean> | undefined;

  const capture = (error: unknown, context: CaptureContext | undefined, mechanism: string): CaptureResult => {
    const key = typeof error === 'object' && error !== null ? error : undefined;
    const earlier = key ? seen.get(key) : undefined;
    if (earlier) return earlier; // the glue and a process handler may both see one error: it is one event
    let result: CaptureResult = { fingerprint: 'otelkit-capture-failed', classification: FALLBACK_CLASSIFICATION };
    try {
      const facts = captureFacts(error, context, mechanism);
      result = { fingerprint: facts.fingerprint, classification: facts.classification };
      const eventId = closed ? undefined : sentry?.capture(facts);
      if (eventId !== undefined) result.eventId = eventId;
      const shown = redactedError(facts, config.redactor);
      try {
        addExceptionEvent(facts, shown, eventId);
      } catch (e) {
        warnOnce('errors.span-event-failed', 'could not add the exception event to the active span', {
          error: String(e),
        });
      }
      if (config.log) {
        try {
          config.log.write(recordLine(facts, config, eventId, shown));
        } catch (e) {
          warnOnce('errors.log-write-failed', 'could not write the ERROR record', { error: String(e) });
        }
      }
    } catch (e) {
      warnOnce('errors.capture-failed', 'an error could not be captured', { error: String(e) });
    }
    if (key) {
      try {
        seen.set(key, result);
      } catch {
        /* frozen or exotic object: it may be captured twice, nothing worse */
      }
    }
    return result;
  };

  const reporter: InternalReporter = {
    mode: sentry ? 'sentry' : 'local',
    capture,
    captureError: (error, context) => capture(error, context, 'otelkit'),
    flush: async (timeoutMs = config.flushTimeoutMs) => (sentry ? sentry.flush(timeoutMs) : true),
    shutdown(timeoutMs = config.flushTimeoutMs) {
      closed ??= (async () => {
        uninstall?.();
        onShutdown();
        return sentry ? sentry.close(timeoutMs) : true;
      })();
      return closed;
    },
  };
  if (config.captureProcessErrors) {
    uninstall = installProcessHandlers({
      capture: (error, context, mechanism) => {
        capture(error, context, mechanism);
      },
      flush: (timeoutMs) => reporter.flush(timeoutMs),
      flushTimeoutMs: config.flushTimeoutMs,
    });
  }
  return reporter;
}
