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

/** What an attribute key calls for, decided once per key (keys repeat in every span). */
const SKIP = 0;
const WITHHOLD = 1;
const SCAN = 2;
type Action = typeof SKIP | typeof WITHHOLD | typeof SCAN;

/** Keys whose decision is kept; past this many distinct keys the decisions are forgotten and made again. */
const MAX_KEYS = 2048;

/**
 * Creates the function that redacts a finished span in place before export: attribute values under a sensitive key
 * (such as `http.request.header.authorization`) are withheld whole, and secrets inside other string values
 * (`token=…` in `url.query`, bearer tokens, card numbers, and with PII on, emails and IPs) are censored — in span
 * attributes, event attributes (an exception's message) and the status message. In place, because the span is
 * finished and about to be serialized: copying every span would double the export cost.
 *
 * Whether a key is structural, sensitive or scanned depends on the key alone, so it is decided once per key: one map
 * read per attribute instead of a set, the redactor's key matcher and the type checks.
 */
export function createSpanRedactor(redactor: Redactor): (span: ReadableSpan) => void {
  const actions = new Map<string, Action>();

  const actionFor = (key: string): Action => {
    const action: Action = STRUCTURAL.has(key) ? SKIP : redactor.isSensitiveKey(key) ? WITHHOLD : SCAN;
    if (actions.size >= MAX_KEYS) actions.clear();
    actions.set(key, action);
    return action;
  };

  const redactAttributes = (attributes: Attributes): void => {
    for (const key in attributes) {
      const value = attributes[key];
      if (value === undefined) continue;
      const action = actions.get(key) ?? actionFor(key);
      if (action === SKIP) continue;
      if (action === WITHHOLD) attributes[key] = CENSOR;
      else if (typeof value === 'string') {
        const out = redactor.redactString(value);
        if (out !== value) attributes[key] = out;
      } else if (typeof value !== 'number' && typeof value !== 'boolean')
        attributes[key] = redactValue(redactor, value);
    }
  };

  return (span: ReadableSpan): void => {
    redactAttributes(span.attributes as Attributes);
    for (const event of span.events) if (event.attributes) redactAttributes(event.attributes as Attributes);
    const status = span.status as SpanStatus;
    if (status.message)
      (span as { status: SpanStatus }).status = { ...status, message: redactor.redactString(status.message) };
  };
}
