import { ATTRIBUTE_NAMES } from '../internal/attribute-names.js';
import { attrNumber, attrString } from '../otlp/values.js';
import type { Attributes, StatusName } from '../store/types.js';

/**
 * A SERVER span counts as failed when its status is error or its HTTP status is 5xx. Applied once per span at ingest
 * (the trace index keeps the answer), whichever receiver delivered it.
 */
export function isFailedRequest(span: { status: StatusName; attributes: Attributes }): boolean {
  if (span.status === 'error') return true;
  const code = attrNumber(span.attributes, ATTRIBUTE_NAMES['request.status_code']);
  return code !== undefined && code >= 500;
}

/** The RED route of a SERVER span: `METHOD route` from its HTTP attributes, else its name. */
export function routeOf(span: { name: string; attributes: Attributes }): string {
  const route = attrString(span.attributes, ATTRIBUTE_NAMES['request.route']);
  const method = attrString(span.attributes, ATTRIBUTE_NAMES['request.method']);
  if (route) return method ? `${method} ${route}` : route;
  return span.name;
}
