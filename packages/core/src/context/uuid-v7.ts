import { randomFillSync } from 'node:crypto';

/** Random parts formatted per refill, and the random bytes each one takes (bytes 6–15 of the UUID). */
const SUFFIXES_PER_POOL = 256;
const BYTES_PER_SUFFIX = 10;
/** `xxx-Vxxx-xxxxxxxxxxxx`: what follows the version digit. */
const SUFFIX_CHARS = 21;

/** The ASCII codes of the lower-case hex digits. */
const HEX_CODES = new Uint8Array([48, 49, 50, 51, 52, 53, 54, 55, 56, 57, 97, 98, 99, 100, 101, 102]);

const random = Buffer.allocUnsafe(SUFFIXES_PER_POOL * BYTES_PER_SUFFIX);
const chars = Buffer.allocUnsafe(SUFFIXES_PER_POOL * SUFFIX_CHARS);
let suffixes = '';
let offset = 0;

/**
 * Formats a fresh batch of random UUID tails into one flat string: 74 random bits each (the low nibble of byte 6,
 * byte 7, the low 6 bits of byte 8 under the RFC 9562 variant `10`, bytes 9–15), from `crypto.randomFillSync` —
 * as many random bits from the same source as the `crypto.randomUUID()` tail this replaces, without formatting and
 * slicing a whole v4 UUID per id.
 */
function refill(): void {
  randomFillSync(random);
  let r = 0;
  let p = 0;
  for (let i = 0; i < SUFFIXES_PER_POOL; i++) {
    chars[p++] = HEX_CODES[(random[r++] as number) & 0x0f] as number;
    let b = random[r++] as number;
    chars[p++] = HEX_CODES[b >>> 4] as number;
    chars[p++] = HEX_CODES[b & 0x0f] as number;
    chars[p++] = 45; // -
    b = ((random[r++] as number) & 0x3f) | 0x80;
    chars[p++] = HEX_CODES[b >>> 4] as number;
    chars[p++] = HEX_CODES[b & 0x0f] as number;
    b = random[r++] as number;
    chars[p++] = HEX_CODES[b >>> 4] as number;
    chars[p++] = HEX_CODES[b & 0x0f] as number;
    chars[p++] = 45; // -
    for (let j = 0; j < 6; j++) {
      b = random[r++] as number;
      chars[p++] = HEX_CODES[b >>> 4] as number;
      chars[p++] = HEX_CODES[b & 0x0f] as number;
    }
  }
  suffixes = chars.toString('latin1', 0, p);
  offset = 0;
}

/**
 * A UUID version 7 (RFC 9562): 48-bit Unix milliseconds then random bits, so ids sort by creation time.
 *
 * The timestamp part (with the version digit 7) is formatted once per millisecond; the random tail, with the
 * variant bits `10`, is a slice of a string of tails formatted 256 at a time from `crypto.randomFillSync` bytes.
 * (A slice keeps its 5 KiB batch alive until V8 flattens the id, as the pooled trace ids do with theirs.)
 */
export function uuidv7(now: number = Date.now()): string {
  const ms = Math.max(0, Math.min(Math.floor(now), 0xffffffffffff));
  // A busy server makes many ids per millisecond: the timestamp part is formatted once per millisecond.
  if (ms !== prefixMs) {
    const hex = ms.toString(16).padStart(12, '0');
    prefix = `${hex.slice(0, 8)}-${hex.slice(8, 12)}-7`;
    prefixMs = ms;
  }
  if (offset >= suffixes.length) refill();
  const tail = suffixes.slice(offset, offset + SUFFIX_CHARS);
  offset += SUFFIX_CHARS;
  return prefix + tail;
}

let prefixMs = -1;
let prefix = '';
