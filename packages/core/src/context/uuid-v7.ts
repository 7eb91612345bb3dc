import { randomFillSync } from 'node:crypto';

const pool = new Uint8Array(16 * 64);
let offset = pool.length;

/** A UUID version 7 (RFC 9562): 48-bit Unix milliseconds then random bits, so ids sort by creation time. */
export function uuidv7(now: number = Date.now()): string {
  if (offset + 10 > pool.length) {
    randomFillSync(pool);
    offset = 0;
  }
  const b = new Uint8Array(16);
  b[0] = (now / 2 ** 40) & 0xff;
  b[1] = (now / 2 ** 32) & 0xff;
  b[2] = (now >>> 24) & 0xff;
  b[3] = (now >>> 16) & 0xff;
  b[4] = (now >>> 8) & 0xff;
  b[5] = now & 0xff;
  b.set(pool.subarray(offset, offset + 10), 6);
  offset += 10;
  b[6] = 0x70 | ((b[6] as number) & 0x0f);
  b[8] = 0x80 | ((b[8] as number) & 0x3f);
  let hex = '';
  for (let i = 0; i < 16; i++) {
    hex += (b[i] as number).toString(16).padStart(2, '0');
    if (i === 3 || i === 5 || i === 7 || i === 9) hex += '-';
  }
  return hex;
}
