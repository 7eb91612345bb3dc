import type { Context } from '@opentelemetry/api';
import { type Sampler, SamplingDecision, type SamplingResult } from '@opentelemetry/sdk-trace-base';

/** The value of every ASCII hex digit (either case), -1 for any other character code below 128. */
const HEX = (() => {
  const table = new Int8Array(128).fill(-1);
  for (let c = 0; c < 10; c++) table[48 + c] = c;
  for (let c = 0; c < 6; c++) {
    table[65 + c] = 10 + c;
    table[97 + c] = 10 + c;
  }
  return table;
})();

/** The byte of every pair of ASCII hex digits, indexed by `(first << 7) | second`; -1 when either is not a digit. */
const HEX_PAIRS = (() => {
  const table = new Int16Array(1 << 14).fill(-1);
  for (let hi = 0; hi < 128; hi++) {
    const high = HEX[hi] as number;
    if (high < 0) continue;
    for (let lo = 0; lo < 128; lo++) {
      const low = HEX[lo] as number;
      if (low >= 0) table[(hi << 7) | lo] = (high << 4) | low;
    }
  }
  return table;
})();

const SAMPLED: SamplingResult = Object.freeze({ decision: SamplingDecision.RECORD_AND_SAMPLED });
const DROPPED: SamplingResult = Object.freeze({ decision: SamplingDecision.NOT_RECORD });

/**
 * The SDK's `TraceIdRatioBasedSampler` — the same decision for every trace id (a test compares them), the same
 * `toString()` — without the regular expression, four substrings and four `parseInt` calls per span: one pass over
 * the id's characters, two at a time through a table, both validates it and folds its four 32-bit words.
 */
export class TraceIdRatioSampler implements Sampler {
  readonly #ratio: number;
  readonly #upperBound: number;

  constructor(ratio: number) {
    this.#ratio = typeof ratio !== 'number' || Number.isNaN(ratio) ? 0 : Math.min(1, Math.max(0, ratio));
    this.#upperBound = Math.floor(this.#ratio * 0xffffffff);
  }

  shouldSample(_context: Context, traceId: string): SamplingResult {
    return this.#sampled(traceId) ? SAMPLED : DROPPED;
  }

  toString(): string {
    return `TraceIdRatioBased{${this.#ratio}}`;
  }

  #sampled(traceId: string): boolean {
    if (traceId.length !== 32) return false;
    // Two digits per table read; each 32-bit word is built in an int32 (bit 31 may come out as the sign).
    let folded = 0;
    let any = 0;
    for (let w = 0; w < 32; w += 8) {
      let word = 0;
      for (let i = w; i < w + 8; i += 2) {
        const hi = traceId.charCodeAt(i);
        const lo = traceId.charCodeAt(i + 1);
        if ((hi | lo) > 127) return false;
        const byte = HEX_PAIRS[(hi << 7) | lo] as number;
        if (byte < 0) return false;
        word = (word << 8) | byte;
      }
      any |= word;
      folded ^= word;
    }
    return any !== 0 && folded >>> 0 < this.#upperBound;
  }
}
