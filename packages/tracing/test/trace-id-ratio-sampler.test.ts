import { ROOT_CONTEXT } from '@opentelemetry/api';
import { TraceIdRatioBasedSampler } from '@opentelemetry/sdk-trace-base';
import { describe, expect, it } from 'vitest';
import { createPooledIdGenerator } from '../src/spans/pooled-id-generator.js';
import { TraceIdRatioSampler } from '../src/spans/trace-id-ratio-sampler.js';

// Swapping the SDK's ratio sampler for ours must not change a single sampling decision.

const ODD_IDS = [
  '',
  '0'.repeat(32),
  `${'0'.repeat(31)}1`,
  'f'.repeat(32),
  'F'.repeat(32),
  'ABCDEF0123456789abcdef0123456789',
  'abcdef0123456789abcdef012345678',
  'abcdef0123456789abcdef01234567890',
  'abcdef0123456789abcdef012345678g',
  'abcdef0123456789abcdef012345678 ',
  'abcdef0123456789abcdef012345678é',
  '-bcdef0123456789abcdef0123456789',
  '80000000000000000000000000000000',
  '7fffffff7fffffff7fffffff7fffffff',
  'ffffffff00000000ffffffff00000001',
];

/**
 * One non-digit at every position (either digit of a byte pair): a letter past f, a space, and characters above
 * ASCII — `°` (176) and `İ` (304) are `0` (48) in their low 7 bits, so a table lookup that ignored the high bits
 * would take them for digits.
 */
const ONE_BAD_DIGIT = Array.from({ length: 32 }, (_, i) =>
  ['g', 'G', ' ', '\u00b0', '\u0130', '\u0000'].map((c) => {
    const id = '0123456789abcdef0123456789ABCDEF';
    return id.slice(0, i) + c + id.slice(i + 1);
  }),
).flat();

describe('TraceIdRatioSampler', () => {
  it('decides exactly as TraceIdRatioBasedSampler for random and odd trace ids, at every ratio', () => {
    const ids = createPooledIdGenerator();
    const traceIds = [...ODD_IDS, ...ONE_BAD_DIGIT, ...Array.from({ length: 20_000 }, () => ids.generateTraceId())];
    for (const ratio of [0, 1e-9, 0.001, 0.1, 0.25, 0.5, 0.75, 0.999, 1, 2, -1, Number.NaN]) {
      const ours = new TraceIdRatioSampler(ratio);
      const sdk = new TraceIdRatioBasedSampler(ratio);
      expect(ours.toString()).toBe(sdk.toString());
      let sampled = 0;
      for (const id of traceIds) {
        const a = ours.shouldSample(ROOT_CONTEXT, id).decision;
        const b = sdk.shouldSample(ROOT_CONTEXT, id).decision;
        if (a !== b) throw new Error(`ratio ${ratio}, trace id ${JSON.stringify(id)}: ours ${a}, SDK ${b}`);
        if (a !== 0) sampled++;
      }
      // The comparison is not vacuous: the ratios in between sample some ids and drop others.
      if (ratio > 0.01 && ratio < 0.99) {
        expect(sampled / traceIds.length).toBeGreaterThan(ratio - 0.03);
        expect(sampled / traceIds.length).toBeLessThan(ratio + 0.03);
      }
    }
  });
});
