import { describe, expect, it } from 'vitest';
import { isoFromMs, nanosField, nanosToMs } from '../src/otlp/values.js';

describe('time conversions on the ingest path', () => {
  it('formats ISO timestamps exactly like Date#toISOString, across seconds and out of order', () => {
    const base = Date.parse('2026-03-01T10:59:59.990Z');
    const samples = [0, 5, 9, 10, 11, 99, 100, 999, 1000, 1001, -5, 86_400_000, 0.4, 12.999].map((d) => base + d);
    for (const ms of [...samples, 0, 1, 999, 8.64e15, ...samples.reverse()]) {
      expect(isoFromMs(ms)).toBe(new Date(Math.floor(ms)).toISOString());
    }
    expect(isoFromMs(Number.NaN)).toBe('1970-01-01T00:00:00.000Z');
  });

  it('reads 64-bit nanoseconds from Long objects, decimal strings and numbers exactly', () => {
    const long = (value: bigint) => ({
      low: Number(value & 0xffffffffn) | 0,
      high: Number(value >> 32n) | 0,
      unsigned: true,
      toString: () => value.toString(),
    });
    for (const v of [0n, 1n, 4294967296n, 9007199254740991n, 1795395000062260400n, 18446744073709551615n]) {
      expect(nanosField({ t: long(v) }, 't')).toBe(v.toString());
    }
    expect(nanosField({ t: '0001700000000000000123' }, 't')).toBe('0');
    expect(nanosField({ t: '1700000000000000123' }, 't')).toBe('1700000000000000123');
    expect(nanosField({ t: 'abc' }, 't')).toBe('0');
    expect(nanosField({ t: 1_700_000_000_000 }, 't')).toBe('1700000000000');
    expect(nanosToMs('1700000000123456789') - 1_700_000_000_123).toBeCloseTo(0.456789, 5);
  });
});
