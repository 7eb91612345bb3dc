import { SpanStatusCode } from '@opentelemetry/api';
import { type SerializedError, toAttributes } from '@otelkit/core';
import type { CaptureFacts } from './capture-facts.js';

/**
 * Adds the OpenTelemetry `exception` event to the active span, with the same fields as the record (type, message,
 * stack, fingerprint, severity, category, retryable, correlation and user id), and marks the span as failed.
 */
export function addExceptionEvent(facts: CaptureFacts, error: SerializedError, eventId: string | undefined): void {
  const span = facts.span;
  if (!span?.isRecording()) return;
  const attributes = toAttributes(
    {
      error,
      ...(facts.correlationId !== undefined ? { correlation_id: facts.correlationId } : {}),
      ...(facts.user?.id !== undefined ? { user: { id: String(facts.user.id) } } : {}),
    },
    { includeResource: false },
  );
  if (eventId !== undefined) attributes['sentry.event_id'] = eventId;
  span.addEvent('exception', attributes, new Date(facts.timestamp));
  if (facts.level !== 'WARN') {
    span.setStatus({ code: SpanStatusCode.ERROR, message: `${error.type}: ${error.message}`.slice(0, 1024) });
  }
}
