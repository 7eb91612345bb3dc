import type { Attributes, AttributeValue } from '../store/types.js';

/**
 * Readers shared by the protobuf and the JSON paths. A protobufjs-decoded message and an OTLP/JSON object use the
 * same lowerCamelCase field names; they differ in how ids (bytes vs hex strings), 64-bit integers (Long vs string or
 * number) and bytes values (Uint8Array vs base64) are represented. Every reader accepts both and never throws on a
 * wrong type: it returns a fallback and lets the caller decide whether to reject the item.
 */

/** Thrown for a request whose structure is not OTLP; the receivers answer 400 / INVALID_ARGUMENT. */
export class BadDataError extends Error {
  override readonly name = 'BadDataError';
}

interface LongLike {
  low: number;
  high: number;
  unsigned?: boolean;
  toString(): string;
}

function isLong(value: unknown): value is LongLike {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as LongLike).low === 'number' &&
    typeof (value as LongLike).high === 'number'
  );
}

/** A Long's value when it is a safe integer (almost always), without Long's division-based toString; else undefined. */
function safeLong(value: LongLike): number | undefined {
  const high = value.unsigned ? value.high >>> 0 : value.high | 0;
  const n = high * 4294967296 + (value.low >>> 0);
  return Number.isSafeInteger(n) ? n : undefined;
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Uint8Array);
}

/** Reads an array field; absent means empty, anything else that is not an array is bad data. */
export function arrayField(obj: Record<string, unknown>, key: string, where: string): unknown[] {
  const value = obj[key];
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw new BadDataError(`${where}.${key} must be an array`);
  return value;
}

export function stringField(obj: Record<string, unknown>, key: string): string {
  const value = obj[key];
  return typeof value === 'string' ? value : '';
}

const HEX = /^[0-9a-fA-F]*$/;
const ZEROS = /^0+$/;

/** A trace or span id as lower-case hex; '' when absent or invalid (all-zero ids count as absent). */
export function idField(obj: Record<string, unknown>, key: string, bytes: number): string {
  const value = obj[key];
  if (value instanceof Uint8Array) {
    if (value.length !== bytes) return '';
    let any = 0;
    for (let i = 0; i < bytes; i++) any |= value[i] as number;
    if (any === 0) return '';
    // protobufjs hands out Buffers under Node: hex them in place instead of wrapping them in another view first.
    return Buffer.isBuffer(value)
      ? value.toString('hex')
      : Buffer.from(value.buffer, value.byteOffset, value.length).toString('hex');
  }
  if (typeof value === 'string') {
    if (value.length !== bytes * 2 || !HEX.test(value) || ZEROS.test(value)) return '';
    return value.toLowerCase();
  }
  return '';
}

let lastMs = 0;

/**
 * An unsigned 64-bit nanosecond timestamp as a decimal string ('0' when absent or invalid). The same value in epoch
 * milliseconds is left for {@link lastNanosMs}, so that the hot path does not parse back the string it just built.
 */
export function nanosField(obj: Record<string, unknown>, key: string): string {
  const value = obj[key];
  if (isLong(value)) {
    const high = value.high >>> 0;
    const low = value.low >>> 0;
    lastMs = msFromNanoBits(high, low);
    // BigInt's toString is the fastest way to the exact decimal string of today's timestamps (above 2^53).
    return nanosFromBits(high, low);
  }
  let text = '0';
  if (typeof value === 'string') text = /^\d{1,20}$/.test(value) ? value.replace(/^0+(?=\d)/, '') : '0';
  else if (typeof value === 'number' && Number.isFinite(value) && value >= 0)
    text = BigInt(Math.trunc(value)).toString();
  lastMs = nanosToMs(text);
  return text;
}

/**
 * {@link nanosToMs} of an unsigned 64-bit nanosecond count given as its two 32-bit halves, without building the
 * decimal string: 2^32 = 4294 × 10^6 + 967296, so with t = high × 967296 + low the milliseconds are
 * high × 4294 + t / 10^6, each term below 2^53. Gives exactly what `nanosToMs` gives for the same value.
 * (t < 2^52, so t / 10^6 is below 2^32 with a spacing under 10^-6 and floors to the exact quotient; the remainder
 * t − q × 10^6 is then exact too — the same number `t % 1e6` gives, without the slow floating-point modulo.)
 */
export function msFromNanoBits(high: number, low: number): number {
  if (high < 0x200000) return nanosToMs(String(high * 4294967296 + low));
  const t = high * 967296 + low;
  const q = Math.floor(t / 1e6);
  return high * 4294 + q + (t - q * 1e6) / 1e6;
}

/** The exact decimal string of an unsigned 64-bit nanosecond count given as its two 32-bit halves. */
export function nanosFromBits(high: number, low: number): string {
  return high < 0x200000 ? String(high * 4294967296 + low) : ((BigInt(high) << 32n) | BigInt(low)).toString();
}

/** {@link nanosToMs} of the string the last {@link nanosField} call returned. */
export function lastNanosMs(): number {
  return lastMs;
}

/** Milliseconds since the epoch (with sub-millisecond fraction) from a nanosecond decimal string. */
export function nanosToMs(nanos: string): number {
  if (nanos.length <= 6) return Number(nanos) / 1e6;
  return Number(nanos.slice(0, -6)) + Number(nanos.slice(-6)) / 1e6;
}

/** Any integer-ish value (Long, string, number) as a JS number; `fallback` when not one. */
export function toNumber(value: unknown, fallback = 0): number {
  if (typeof value === 'number') return Number.isFinite(value) ? value : fallback;
  if (isLong(value)) return safeLong(value) ?? Number(value.toString());
  if (typeof value === 'string' && value.trim() !== '') {
    const n = Number(value);
    return Number.isFinite(n) ? n : fallback;
  }
  return fallback;
}

export function intField(obj: Record<string, unknown>, key: string): number {
  return toNumber(obj[key], 0);
}

const MAX_DEPTH = 8;

/** Converts an OTLP AnyValue to plain JSON. 64-bit integers outside the safe range stay decimal strings. */
export function anyValue(value: unknown, depth = 0): AttributeValue {
  if (!isRecord(value) || depth > MAX_DEPTH) return null;
  if (value.stringValue != null) return typeof value.stringValue === 'string' ? intern(value.stringValue) : null;
  if (value.boolValue != null) return value.boolValue === true;
  if (value.intValue != null) {
    const raw = value.intValue;
    if (isLong(raw)) {
      const safe = safeLong(raw);
      if (safe !== undefined) return safe;
    }
    const text = isLong(raw) ? raw.toString() : String(raw);
    const n = Number(text);
    return Number.isSafeInteger(n) ? n : text;
  }
  if (value.doubleValue != null) return toNumber(value.doubleValue, 0);
  if (value.arrayValue != null) {
    const values = isRecord(value.arrayValue) && Array.isArray(value.arrayValue.values) ? value.arrayValue.values : [];
    return values.slice(0, 1000).map((v) => anyValue(v, depth + 1));
  }
  if (value.kvlistValue != null) {
    return keyValues(isRecord(value.kvlistValue) ? value.kvlistValue.values : undefined, depth + 1);
  }
  if (value.bytesValue != null) {
    const b = value.bytesValue;
    if (b instanceof Uint8Array) return Buffer.from(b.buffer, b.byteOffset, b.length).toString('base64');
    return typeof b === 'string' ? b : null;
  }
  return null;
}

/** Converts a KeyValue list to an attribute object (later duplicates win; at most 1000 keys). */
export function keyValues(list: unknown, depth = 0): Attributes {
  const out: Attributes = {};
  if (!Array.isArray(list)) return out;
  const n = Math.min(list.length, 1000);
  for (let i = 0; i < n; i++) {
    const kv = list[i] as { key?: unknown; value?: { stringValue?: unknown } | null } | null;
    // Arrays and byte arrays carry no string `key`, so this check also keeps them out.
    if (typeof kv !== 'object' || kv === null) continue;
    const key = kv.key;
    if (typeof key !== 'string' || key === '') continue;
    const value = kv.value;
    // Most attribute values are strings: skip the general reader for them.
    out[key] =
      typeof value === 'object' && value !== null && typeof value.stringValue === 'string'
        ? intern(value.stringValue)
        : anyValue(value, depth);
  }
  return out;
}

/** A string attribute, or undefined. Numbers are stringified; other types are ignored. */
export function attrString(attrs: Attributes, key: string): string | undefined {
  const value = attrs[key];
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return undefined;
}

/** A numeric attribute (numbers and numeric strings), or undefined. */
export function attrNumber(attrs: Attributes, key: string): number | undefined {
  const value = attrs[key];
  if (typeof value === 'number') return value;
  if (typeof value === 'string' && value.trim() !== '' && Number.isFinite(Number(value))) return Number(value);
  return undefined;
}

/** ISO 8601 from epoch milliseconds; clamps values a Date cannot hold. */
export function isoFromMs(ms: number): string {
  const whole = Number.isFinite(ms) ? Math.floor(Math.min(Math.max(ms, 0), 8.64e15)) : 0;
  // Date#toISOString costs ~0.7 µs and ingest formats two or three per span; spans of one batch mostly share their
  // second, so the formatted second is cached and only the milliseconds are appended.
  const second = Math.floor(whole / 1000);
  if (second !== cachedSecond) {
    cachedSecond = second;
    cachedPrefix = new Date(second * 1000).toISOString().slice(0, -5);
  }
  const milli = whole - second * 1000;
  return `${cachedPrefix}.${milli < 10 ? '00' : milli < 100 ? '0' : ''}${milli}Z`;
}

let cachedSecond = Number.NaN;
let cachedPrefix = '';

const interned = new Map<string, string>();

/**
 * Returns one shared copy of a short string. Decoding allocates every attribute value afresh, yet most are few and
 * repeated (methods, routes, hosts); sharing them shrinks what the store retains and what the GC has to mark.
 * Bounded: the table is cleared when it fills.
 */
export function intern(text: string): string {
  if (text.length > 64) return text;
  const shared = interned.get(text);
  if (shared !== undefined) return shared;
  if (interned.size >= 10_000) interned.clear();
  interned.set(text, text);
  return text;
}
