import { randomUUID } from 'node:crypto';

let prefixMs = -1;
let prefix = '';

/**
 * A new correlation id exactly as core's `newCorrelationId()` makes it — a UUID v7 (RFC 9562): 48-bit Unix
 * milliseconds, version 7, then the 74 random bits and variant of a `crypto.randomUUID()` — with the timestamp part
 * formatted once per millisecond instead of once per request (a busy server starts many requests per millisecond).
 */
export function newRequestCorrelationId(): string {
  const now = Date.now();
  if (now !== prefixMs) {
    prefixMs = now;
    const ms = Math.max(0, Math.min(now, 0xffffffffffff)).toString(16).padStart(12, '0');
    prefix = `${ms.slice(0, 8)}-${ms.slice(8, 12)}-7`;
  }
  return prefix + randomUUID().slice(15);
}
