import type { Attributes, AttributeValue, SpanStatus } from '@opentelemetry/api';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import type { Redactor } from '@otelkit/core';

const CENSOR = '[REDACTED]';

/**
 * Attributes whose values are identifiers or enumerations by construction (validated or set by otelkit itself):
 * scanning them would only cost time — the correlation id is new on every request, so it never hits the cache.
 */
const STRUCTURAL = new Set([
  'otelkit.correlation_id',
  'http.request.method',
  'url.scheme',
  'network.protocol.version',
  'http.route',
]);

function redactValue(redactor: Redactor, value: AttributeValue): AttributeValue {
  if (typeof value === 'string') return redactor.redactString(value);
  if (Array.isArray(value) && value.some((v) => typeof v === 'string')) {
    return value.map((v) => (typeof v === 'string' ? redactor.redactString(v) : v)) as AttributeValue;
  }
  return value;
}

function redactAttributes(redactor: Redactor, attributes: Attributes): void {
  for (const key in attributes) {
    const value = attributes[key];
    if (value === undefined || STRUCTURAL.has(key)) continue;
    if (redactor.isSensitiveKey(key)) attributes[key] = CENSOR;
    else if (typeof value !== 'number' && typeof value !== 'boolean') attributes[key] = redactValue(redactor, value);
  }
}

/**
 * Redacts a finished span in place before export: attribute values under a sensitive key (such as
 * `http.request.header.authorization`) are withheld whole, and secrets inside other string values (`token=…` in
 * `url.query`, bearer tokens, card numbers, and with PII on, emails and IPs) are censored — in span attributes, event
 * attributes (an exception's message) and the status message. In place, because the span is finished and about to
 * be serialized: copying every span would double the export cost.
 */
export function redactSpan(redactor: Redactor, span: ReadableSpan): void {
  redactAttributes(redactor, span.attributes as Attributes);
  for (const event of span.events) if (event.attributes) redactAttributes(redactor, event.attributes as Attributes);
  const status = span.status as SpanStatus;
  if (status.message)
    (span as { status: SpanStatus }).status = { ...status, message: redactor.redactString(status.message) };
}
