import { describe, expect, it } from 'vitest';
import { anyValue, idField, isoFromMs, keyValues, lastNanosMs, nanosField, nanosToMs } from '../src/otlp/values.js';

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

  it('leaves the milliseconds of every timestamp it reads, equal to parsing the string it returns', () => {
    const long = (value: bigint) => ({ low: Number(value & 0xffffffffn) | 0, high: Number(value >> 32n) | 0 });
    let value = 1n;
    for (let i = 0; i < 2000; i++) {
      value = (value * 6364136223846793005n + 1442695040888963407n) & 0xffffffffffffffffn;
      const v = value >> BigInt(i % 48);
      const text = nanosField({ t: long(v) }, 't');
      expect(text).toBe(v.toString());
      expect(lastNanosMs()).toBe(nanosToMs(text));
    }
    for (const t of ['1700000000000000123', 'abc', 1_700_000_000_000, undefined]) {
      const text = nanosField({ t }, 't');
      expect(lastNanosMs()).toBe(nanosToMs(text));
    }
  });
});

describe('ids and attribute values on the ingest path', () => {
  it('hexes trace and span ids from Buffers, plain Uint8Arrays and hex strings; all-zero or wrong-length ids are absent', () => {
    const bytes = Uint8Array.from([0x4b, 0xf9, 0x2f, 0x35, 0x77, 0xb3, 0x4d, 0xa6]);
    expect(idField({ id: bytes }, 'id', 8)).toBe('4bf92f3577b34da6');
    expect(idField({ id: Buffer.from(bytes) }, 'id', 8)).toBe('4bf92f3577b34da6');
    expect(idField({ id: Buffer.from([9, ...bytes]).subarray(1) }, 'id', 8)).toBe('4bf92f3577b34da6');
    expect(idField({ id: '4BF92F3577B34DA6' }, 'id', 8)).toBe('4bf92f3577b34da6');
    expect(idField({ id: new Uint8Array(8) }, 'id', 8)).toBe('');
    expect(idField({ id: '0000000000000000' }, 'id', 8)).toBe('');
    expect(idField({ id: bytes.subarray(1) }, 'id', 8)).toBe('');
    expect(idField({ id: 'xyz' }, 'id', 8)).toBe('');
  });

  it('reads 64-bit integer attributes as numbers when safe and as exact decimal strings when not', () => {
    const long = (value: bigint, unsigned = false) => ({
      low: Number(BigInt.asUintN(32, value)) | 0,
      high: Number(BigInt.asIntN(32, value >> 32n)) | 0,
      unsigned,
      toString: () => value.toString(),
    });
    for (const v of [0n, 200n, -1n, -4294967296n, 9007199254740991n, -9007199254740991n]) {
      expect(anyValue({ intValue: long(v) })).toBe(Number(v));
    }
    for (const v of [9007199254740992n, -9007199254740992n, 9223372036854775807n]) {
      expect(anyValue({ intValue: long(v) })).toBe(v.toString());
    }
    expect(anyValue({ intValue: long(18446744073709551615n, true) })).toBe('18446744073709551615');
    expect(
      keyValues([{ key: 'a', value: { stringValue: 'x' } }, { key: 'b', value: { intValue: '7' } }, [], null]),
    ).toEqual({
      a: 'x',
      b: 7,
    });
  });
});
