import { randomUUID } from 'node:crypto';

/**
 * A UUID version 7 (RFC 9562): 48-bit Unix milliseconds then random bits, so ids sort by creation time.
 *
 * Built on `crypto.randomUUID()` (a v4 from Node's batched entropy cache: no syscall per id): its 74 random bits
 * after the version nibble are kept, the first 48 bits become the timestamp and the version nibble becomes 7. The
 * variant bits of a v4 are already RFC 9562's.
 */
export function uuidv7(now: number = Date.now()): string {
  const ms = Math.max(0, Math.min(Math.floor(now), 0xffffffffffff));
  // A busy server makes many ids per millisecond: the timestamp part is formatted once per millisecond.
  if (ms !== prefixMs) {
    const hex = ms.toString(16).padStart(12, '0');
    prefix = `${hex.slice(0, 8)}-${hex.slice(8, 12)}-7`;
    prefixMs = ms;
  }
  return prefix + randomUUID().slice(15);
}

let prefixMs = -1;
let prefix = '';
