import { randomUUID } from 'node:crypto';

/**
 * A UUID version 7 (RFC 9562): 48-bit Unix milliseconds then random bits, so ids sort by creation time.
 *
 * Built on `crypto.randomUUID()` (a v4 from Node's batched entropy cache: no syscall per id): its 74 random bits
 * after the version nibble are kept, the first 48 bits become the timestamp and the version nibble becomes 7. The
 * variant bits of a v4 are already RFC 9562's.
 */
export function uuidv7(now: number = Date.now()): string {
  const random = randomUUID();
  const ms = Math.max(0, Math.min(Math.floor(now), 0xffffffffffff))
    .toString(16)
    .padStart(12, '0');
  return `${ms.slice(0, 8)}-${ms.slice(8, 12)}-7${random.slice(15)}`;
}
