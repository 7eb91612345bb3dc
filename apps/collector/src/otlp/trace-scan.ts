import { ATTRIBUTE_NAMES } from '../internal/attribute-names.js';
import type { SpanBatch } from '../store/span-batch.js';
import {
  BatchStrings,
  FLAG_EXCEPTION,
  FLAG_FAILED,
  FLAG_PARENT,
  ID_PARENT,
  ID_SPAN,
  ID_START,
  ID_WORDS,
  KIND_SERVER,
  STATUS_ERROR,
} from '../store/span-batch.js';
import type { Attributes, AttributeValue } from '../store/types.js';
import { traceMessageDecoders } from './proto.js';
import { attrString, intern, keyValues, msFromNanoBits } from './values.js';

/**
 * A protobuf wire-format scanner for ExportTraceServiceRequest: it walks the whole message (every field of every span,
 * attribute values included, so that what it accepts is exactly what the generated decoder accepts) and indexes each
 * span without building objects for it. Field numbers and types are those of opentelemetry-proto's trace.proto and
 * common.proto, the same ones the generated decoder (`proto.ts`) is built from; Resource and InstrumentationScope —
 * one per ResourceSpans / ScopeSpans — are decoded by that generated decoder itself.
 *
 * The scanner is strict: anything unusual (a known field with an unexpected wire type, a group, a length past its
 * message, nesting deeper than {@link MAX_DEPTH}) makes it give up, and the caller falls back to the generated decoder
 * and `normalizeTraces` — which then accepts, or refuses, exactly as before.
 */

/** The route and failure rules of SERVER spans, from the query layer (`red.ts`), given their three attributes. */
export interface ServerSpanRules {
  routeOf(span: { name: string; attributes: Attributes }): string;
  isFailed(span: { status: 'unset' | 'ok' | 'error'; attributes: Attributes }): boolean;
}

/** A scanned export: the batch of its valid spans and how many spans were rejected. */
export interface ScannedTraces {
  batch: SpanBatch;
  /** Spans without a valid trace id or span id (as `normalizeTraces` rejects them). */
  rejected: number;
}

class Unsupported extends Error {}
const GIVE_UP = new Unsupported('unsupported');
const MAX_DEPTH = 64;
/** `keyValues` keeps the first 1000 entries of an attribute list; the scanner reads attributes the same way. */
const MAX_ATTRIBUTES = 1000;

const ascii = (text: string) => Uint8Array.from(text, (c) => c.charCodeAt(0));
const ROUTE_KEY = ATTRIBUTE_NAMES['request.route'];
const METHOD_KEY = ATTRIBUTE_NAMES['request.method'];
const STATUS_CODE_KEY = ATTRIBUTE_NAMES['request.status_code'];
const ROUTE = ascii(ROUTE_KEY);
const METHOD = ascii(METHOD_KEY);
const STATUS_CODE = ascii(STATUS_CODE_KEY);
const EXCEPTION = ascii('exception');

let buf: Buffer = Buffer.alloc(0);
/** Read position. */
let at = 0;
/** High 32 bits of the last {@link varint64}. */
let high = 0;

function fail(): never {
  throw GIVE_UP;
}

/**
 * A varint's low 32 bits, unsigned (what protobufjs' uint32/int32/bool/enum readers keep). Those readers take a
 * varint longer than 5 bytes to be 10 bytes long; the scanner gives up on the 6- to 9-byte ones instead of guessing.
 */
function varint(end: number): number {
  const first = buf[at];
  if (first !== undefined && first < 0x80 && at < end) {
    at++;
    return first;
  }
  let x = 0;
  for (let i = 0; i < 10; i++) {
    if (at >= end) fail();
    const c = buf[at++]!;
    if (i < 5) x |= (c & 0x7f) << (7 * i);
    if (c < 0x80) {
      if (i >= 5 && i < 9) fail();
      return x >>> 0;
    }
  }
  return fail();
}

/** A varint as two 32-bit halves: returns the low half, leaves the high half in {@link high}. */
function varint64(end: number): number {
  let lo = 0;
  let hi = 0;
  for (let i = 0; i < 10; i++) {
    if (at >= end) fail();
    const c = buf[at++]!;
    const bits = c & 0x7f;
    if (i < 4) lo |= bits << (7 * i);
    else if (i === 4) {
      lo |= (bits & 0x0f) << 28;
      hi |= bits >> 4;
    } else hi |= bits << (7 * i - 32);
    if (c < 0x80) {
      high = hi >>> 0;
      return lo >>> 0;
    }
  }
  return fail();
}

/** Reads a length prefix and returns the end of the field it announces. */
function lengthEnd(end: number): number {
  const len = varint(end);
  const stop = at + len;
  if (stop > end) fail();
  return stop;
}

function u32le(p: number): number {
  return (buf[p]! | (buf[p + 1]! << 8) | (buf[p + 2]! << 16) | (buf[p + 3]! << 24)) >>> 0;
}

/** Skips a field the decoder does not know (it skips it too). */
function skip(wireType: number, end: number): void {
  if (wireType === 0) varint(end);
  else if (wireType === 2) at = lengthEnd(end);
  else if (wireType === 1) at += 8;
  else if (wireType === 5) at += 4;
  else fail();
  if (at > end) fail();
}

function expect(wireType: number, want: number): void {
  if (wireType !== want) fail();
}

function fixed(end: number, bytes: number): void {
  at += bytes;
  if (at > end) fail();
}

function sameBytes(start: number, stop: number, text: Uint8Array): boolean {
  if (stop - start !== text.length) return false;
  for (let i = 0; i < text.length; i++) if (buf[start + i] !== text[i]) return false;
  return true;
}

function validAnyValue(end: number, depth: number): void {
  if (depth > MAX_DEPTH) fail();
  while (at < end) {
    const tag = varint(end);
    const field = tag >>> 3;
    const wt = tag & 7;
    if (field === 1 || field === 7) {
      expect(wt, 2);
      at = lengthEnd(end);
    } else if (field === 2) {
      expect(wt, 0);
      varint(end);
    } else if (field === 3) {
      // int64: up to 10 bytes, every length valid (the decoder reads it whole)
      expect(wt, 0);
      varint64(end);
    } else if (field === 4) {
      expect(wt, 1);
      fixed(end, 8);
    } else if (field === 5 || field === 6) {
      expect(wt, 2);
      const stop = lengthEnd(end);
      // ArrayValue { repeated AnyValue values = 1 } / KeyValueList { repeated KeyValue values = 1 }
      while (at < stop) {
        const t = varint(stop);
        if (t >>> 3 === 1) {
          expect(t & 7, 2);
          const itemEnd = lengthEnd(stop);
          if (field === 5) validAnyValue(itemEnd, depth + 1);
          else validKeyValue(itemEnd, depth + 1);
        } else if (t >>> 3 === 0) fail();
        else skip(t & 7, stop);
      }
    } else if (field === 0) fail();
    else skip(wt, end);
  }
}

/** Start and end of the last key and value of the KeyValue just read by {@link validKeyValue} (-1: absent). */
let keyStart = -1;
let keyEnd = -1;
let valueStart = -1;
let valueEnd = -1;

function validKeyValue(end: number, depth: number): void {
  let kStart = -1;
  let kEnd = -1;
  let vStart = -1;
  let vEnd = -1;
  while (at < end) {
    const tag = varint(end);
    const field = tag >>> 3;
    const wt = tag & 7;
    if (field === 1) {
      expect(wt, 2);
      kEnd = lengthEnd(end);
      kStart = at;
      at = kEnd;
    } else if (field === 2) {
      expect(wt, 2);
      vEnd = lengthEnd(end);
      vStart = at;
      validAnyValue(vEnd, depth + 1);
    } else if (field === 0) fail();
    else skip(wt, end);
  }
  // Nested key-values are read before this one ends: what is left here is this one's.
  keyStart = kStart;
  keyEnd = kEnd;
  valueStart = vStart;
  valueEnd = vEnd;
}

/** Walks a repeated KeyValue field's entry; returns nothing, validates it. */
function validAttributes(end: number): void {
  validKeyValue(end, 0);
}

/**
 * A scalar AnyValue as `anyValue` (values.ts) returns it, for the attributes the index reads; arrays and key-value
 * lists come back as null, which the attribute readers treat as they treat any non-scalar.
 */
function scalarValue(start: number, end: number): AttributeValue {
  let text = -1;
  let textEnd = 0;
  let bool: boolean | undefined;
  let intLo = 0;
  let intHi = 0;
  let hasInt = false;
  let double: number | undefined;
  let nested = false;
  let bytes = -1;
  let bytesEnd = 0;
  at = start;
  while (at < end) {
    const tag = varint(end);
    const field = tag >>> 3;
    if (field === 1 || field === 7) {
      const stop = lengthEnd(end);
      if (field === 1) {
        text = at;
        textEnd = stop;
      } else {
        bytes = at;
        bytesEnd = stop;
      }
      at = stop;
    } else if (field === 2) bool = varint(end) !== 0;
    else if (field === 3) {
      intLo = varint64(end);
      intHi = high;
      hasInt = true;
    } else if (field === 4) {
      double = buf.readDoubleLE(at);
      at += 8;
    } else if (field === 5 || field === 6) {
      at = lengthEnd(end);
      nested = true;
    } else skip(tag & 7, end);
  }
  // The order of `anyValue`'s checks, should a sender set more than one member of the oneof.
  if (text >= 0) return sharedString(text, textEnd);
  if (bool !== undefined) return bool;
  if (hasInt) {
    const n = (intHi | 0) * 4294967296 + intLo;
    if (Number.isSafeInteger(n)) return n;
    return BigInt.asIntN(64, (BigInt(intHi) << 32n) | BigInt(intLo)).toString();
  }
  if (double !== undefined) return Number.isFinite(double) ? double : 0;
  if (nested) return null;
  if (bytes >= 0) return buf.toString('base64', bytes, bytesEnd);
  return null;
}

const probe: { name: string; status: 'unset' | 'ok' | 'error'; attributes: Attributes } = {
  name: '',
  status: 'unset',
  attributes: {},
};
let lastRouteValue: AttributeValue | undefined;
let lastMethodValue: AttributeValue | undefined;
let lastRouteName = '';
let lastRoute = '';

/**
 * Span names and attribute values repeat across spans; decoding each from UTF-8 and interning it costs far more than
 * recognizing its bytes. A direct-mapped cache of short strings by their bytes returns the same (interned) string.
 */
const CACHE_SLOTS = 1024;
const CACHE_BYTES = 64;
const cacheArena = new Uint8Array(CACHE_SLOTS * CACHE_BYTES);
const cacheLength = new Int32Array(CACHE_SLOTS).fill(-1);
const cacheString: string[] = new Array<string>(CACHE_SLOTS).fill('');

function sharedString(start: number, end: number): string {
  const len = end - start;
  if (len > CACHE_BYTES) return intern(buf.toString('utf8', start, end));
  if (len === 0) return '';
  const h = (len * 31 + buf[start]! * 7 + buf[end - 1]! * 131 + buf[start + (len >> 1)]! * 1031) & (CACHE_SLOTS - 1);
  const o = h * CACHE_BYTES;
  if (cacheLength[h] === len) {
    let same = true;
    for (let i = 0; i < len; i++) {
      if (cacheArena[o + i] !== buf[start + i]) {
        same = false;
        break;
      }
    }
    if (same) return cacheString[h]!;
  }
  const text = intern(buf.toString('utf8', start, end));
  cacheArena.set(buf.subarray(start, end), o);
  cacheLength[h] = len;
  cacheString[h] = text;
  return text;
}

// Growable scratch columns, copied out at exact size per batch.
let cap = 0;
let sIds = new Uint32Array(0);
let sTimes = new Float64Array(0);
let sCodes = new Uint8Array(0);
let sSpans = new Int32Array(0);
let sText = new Uint32Array(0);

function ensure(n: number): void {
  if (n <= cap) return;
  cap = Math.max(1024, n * 2);
  const grow = <T extends Uint32Array | Float64Array | Uint8Array | Int32Array>(
    old: T,
    make: (n: number) => T,
    k: number,
  ) => {
    const next = make(cap * k);
    next.set(old as never);
    return next;
  };
  sIds = grow(sIds, (m) => new Uint32Array(m), ID_WORDS);
  sTimes = grow(sTimes, (m) => new Float64Array(m), 2);
  sCodes = grow(sCodes, (m) => new Uint8Array(m), 3);
  sSpans = grow(sSpans, (m) => new Int32Array(m), 3);
  sText = grow(sText, (m) => new Uint32Array(m), 3);
}

/**
 * Indexes an ExportTraceServiceRequest. Returns undefined when the scanner gives up (the caller then takes the
 * generated decoder's path). `bytes` is kept by the batch: pass a buffer nobody else will write to.
 */
export function scanTraces(bytes: Buffer, rules: ServerSpanRules): ScannedTraces | undefined {
  buf = bytes;
  at = 0;
  try {
    return scanRequest(rules);
  } catch (error) {
    if (error === GIVE_UP) return undefined;
    throw error;
  } finally {
    buf = EMPTY;
  }
}

const EMPTY = Buffer.alloc(0);

function scanRequest(rules: ServerSpanRules): ScannedTraces {
  const end = buf.length;
  const table = new BatchStrings();
  const scopes: { message: unknown; resource: number }[] = [];
  const resources: { message: unknown; attributes: Attributes }[] = [];
  const decoders = traceMessageDecoders();
  let n = 0;
  let rejected = 0;
  while (at < end) {
    const tag = varint(end);
    if (tag >>> 3 !== 1) {
      if (tag >>> 3 === 0) fail();
      skip(tag & 7, end);
      continue;
    }
    expect(tag & 7, 2);
    // ResourceSpans { Resource resource = 1; repeated ScopeSpans scope_spans = 2; string schema_url = 3 }
    const rsEnd = lengthEnd(end);
    const resourceIndex = resources.length;
    const firstSpan = n;
    let resourceStart = -1;
    let resourceEnd = -1;
    while (at < rsEnd) {
      const t = varint(rsEnd);
      const field = t >>> 3;
      if (field === 1) {
        expect(t & 7, 2);
        resourceEnd = lengthEnd(rsEnd);
        resourceStart = at;
        at = resourceEnd;
      } else if (field === 2) {
        expect(t & 7, 2);
        const ssEnd = lengthEnd(rsEnd);
        const scanned = scanScopeSpans(ssEnd, n, scopes.length, rules, table);
        n = scanned.n;
        rejected += scanned.rejected;
        scopes.push({ message: scanned.scope, resource: resourceIndex });
      } else if (field === 3) {
        expect(t & 7, 2);
        at = lengthEnd(rsEnd);
      } else if (field === 0) fail();
      else skip(t & 7, rsEnd);
    }
    let message: unknown = null;
    if (resourceStart >= 0) {
      const saved = at;
      message = decodeOrGiveUp(decoders.resource, resourceStart, resourceEnd);
      at = saved;
    }
    const attributes = keyValues(
      message !== null && typeof message === 'object' ? (message as { attributes?: unknown }).attributes : undefined,
    );
    resources.push({ message, attributes });
    // As `serviceOf` in normalize.ts.
    const name = attrString(attributes, ATTRIBUTE_NAMES.service) ?? 'unknown_service';
    const id = table.id(name);
    for (let i = firstSpan; i < n; i++) sText[i * 3 + 1] = id;
  }
  const ids = sIds.slice(0, n * ID_WORDS);
  const times = sTimes.slice(0, n * 2);
  const codes = sCodes.slice(0, n * 3);
  const spans = sSpans.slice(0, n * 3);
  return {
    batch: {
      seq: 0,
      live: 0,
      size: n,
      ids,
      next: new Float64Array(n),
      times,
      codes,
      text: sText.slice(0, n * 3),
      strings: table.strings,
      raw: { bytes: buf, spans, scopes, resources },
      full: undefined,
    },
    rejected,
  };
}

function decodeOrGiveUp(decode: (data: Uint8Array) => unknown, start: number, end: number): unknown {
  try {
    return decode(buf.subarray(start, end));
  } catch {
    return fail();
  }
}

function scanScopeSpans(
  end: number,
  n: number,
  scopeIndex: number,
  rules: ServerSpanRules,
  table: BatchStrings,
): { n: number; rejected: number; scope: unknown } {
  // ScopeSpans { InstrumentationScope scope = 1; repeated Span spans = 2; string schema_url = 3 }
  let rejected = 0;
  let scopeStart = -1;
  let scopeEnd = -1;
  while (at < end) {
    const t = varint(end);
    const field = t >>> 3;
    if (field === 1) {
      expect(t & 7, 2);
      scopeEnd = lengthEnd(end);
      scopeStart = at;
      at = scopeEnd;
    } else if (field === 2) {
      expect(t & 7, 2);
      const spanEnd = lengthEnd(end);
      ensure(n + 1);
      if (scanSpan(at, spanEnd, n, scopeIndex, rules, table)) n++;
      else rejected++;
      at = spanEnd;
    } else if (field === 3) {
      expect(t & 7, 2);
      at = lengthEnd(end);
    } else if (field === 0) fail();
    else skip(t & 7, end);
  }
  let scope: unknown = null;
  if (scopeStart >= 0) {
    const saved = at;
    scope = decodeOrGiveUp(traceMessageDecoders().scope, scopeStart, scopeEnd);
    at = saved;
  }
  return { n, rejected, scope };
}

function idIsValid(start: number, len: number, want: number): boolean {
  if (start < 0 || len !== want) return false;
  for (let i = 0; i < len; i++) if (buf[start + i] !== 0) return true;
  return false;
}

/** Indexes span `n` (the Span message at start..end); false when its ids make it rejected. */
function scanSpan(
  start: number,
  end: number,
  n: number,
  scopeIndex: number,
  rules: ServerSpanRules,
  table: BatchStrings,
): boolean {
  let traceStart = -1;
  let traceLen = 0;
  let spanStart = -1;
  let spanLen = 0;
  let parentStart = -1;
  let parentLen = 0;
  let nameStart = 0;
  let nameEnd = 0;
  let kind = 0;
  let startLo = 0;
  let startHi = 0;
  let endLo = 0;
  let endHi = 0;
  let statusCode = 0;
  let exception = false;
  let attributeCount = 0;
  // Value ranges of the last http.route / http.request.method / http.response.status_code among the first 1000
  // attributes (-2: absent; -1: present without a value).
  let route = -2;
  let routeEnd = 0;
  let method = -2;
  let methodEnd = 0;
  let status = -2;
  let statusEnd = 0;
  at = start;
  while (at < end) {
    const tag = varint(end);
    const field = tag >>> 3;
    const wt = tag & 7;
    switch (field) {
      case 1:
      case 2:
      case 4: {
        expect(wt, 2);
        const stop = lengthEnd(end);
        if (field === 1) {
          traceStart = at;
          traceLen = stop - at;
        } else if (field === 2) {
          spanStart = at;
          spanLen = stop - at;
        } else {
          parentStart = at;
          parentLen = stop - at;
        }
        at = stop;
        break;
      }
      case 3:
        expect(wt, 2);
        at = lengthEnd(end);
        break;
      case 5: {
        expect(wt, 2);
        nameEnd = lengthEnd(end);
        nameStart = at;
        at = nameEnd;
        break;
      }
      case 6:
        expect(wt, 0);
        kind = varint(end) | 0;
        break;
      case 7:
      case 8:
        expect(wt, 1);
        if (at + 8 > end) fail();
        if (field === 7) {
          startLo = u32le(at);
          startHi = u32le(at + 4);
        } else {
          endLo = u32le(at);
          endHi = u32le(at + 4);
        }
        at += 8;
        break;
      case 9: {
        expect(wt, 2);
        const stop = lengthEnd(end);
        validAttributes(stop);
        if (attributeCount++ < MAX_ATTRIBUTES && keyStart >= 0) {
          const len = keyEnd - keyStart;
          if (len === ROUTE.length && sameBytes(keyStart, keyEnd, ROUTE)) {
            route = valueStart;
            routeEnd = valueEnd;
          } else if (len === METHOD.length && sameBytes(keyStart, keyEnd, METHOD)) {
            method = valueStart;
            methodEnd = valueEnd;
          } else if (len === STATUS_CODE.length && sameBytes(keyStart, keyEnd, STATUS_CODE)) {
            status = valueStart;
            statusEnd = valueEnd;
          }
        }
        at = stop;
        break;
      }
      case 10:
      case 12:
      case 14:
        expect(wt, 0);
        varint(end);
        break;
      case 11: {
        expect(wt, 2);
        if (scanEvent(lengthEnd(end))) exception = true;
        break;
      }
      case 13:
        expect(wt, 2);
        scanLink(lengthEnd(end));
        break;
      case 15: {
        expect(wt, 2);
        // A repeated message field replaces the earlier one in the decoder: the last Status decides.
        statusCode = scanStatus(lengthEnd(end));
        break;
      }
      case 16:
        expect(wt, 5);
        fixed(end, 4);
        break;
      case 0:
        fail();
        break;
      default:
        skip(wt, end);
    }
  }
  if (!idIsValid(traceStart, traceLen, 16) || !idIsValid(spanStart, spanLen, 8)) return false;

  const o = n * ID_WORDS;
  sIds[o] = u32be(traceStart);
  sIds[o + 1] = u32be(traceStart + 4);
  sIds[o + 2] = u32be(traceStart + 8);
  sIds[o + 3] = u32be(traceStart + 12);
  sIds[o + ID_SPAN] = u32be(spanStart);
  sIds[o + ID_SPAN + 1] = u32be(spanStart + 4);
  let flags = 0;
  if (idIsValid(parentStart, parentLen, 8)) {
    sIds[o + ID_PARENT] = u32be(parentStart);
    sIds[o + ID_PARENT + 1] = u32be(parentStart + 4);
    flags |= FLAG_PARENT;
  } else {
    sIds[o + ID_PARENT] = 0;
    sIds[o + ID_PARENT + 1] = 0;
  }
  sIds[o + ID_START] = startHi;
  sIds[o + ID_START + 1] = startLo;
  const startMs = msFromNanoBits(startHi, startLo);
  let endMs = msFromNanoBits(endHi, endLo);
  if (endMs < startMs) endMs = startMs;
  sTimes[n * 2] = startMs;
  sTimes[n * 2 + 1] = endMs - startMs;
  const kindCode = kind >= 0 && kind <= 5 ? kind : 0;
  const statusName = statusCode === 1 ? 'ok' : statusCode === STATUS_ERROR ? 'error' : 'unset';
  sCodes[n * 3] = kindCode;
  sCodes[n * 3 + 1] = statusName === 'ok' ? 1 : statusName === 'error' ? STATUS_ERROR : 0;
  if (exception) flags |= FLAG_EXCEPTION;
  const name = sharedString(nameStart, nameEnd);
  sText[n * 3] = table.id(name);
  if (kindCode === KIND_SERVER) {
    // One reused probe object; an absent attribute reads as undefined, which the rules treat as absent.
    const attributes = probe.attributes as Record<string, AttributeValue | undefined>;
    const routeValue = route === -2 ? undefined : route < 0 ? null : scalarValue(route, routeEnd);
    const methodValue = method === -2 ? undefined : method < 0 ? null : scalarValue(method, methodEnd);
    attributes[ROUTE_KEY] = routeValue;
    attributes[METHOD_KEY] = methodValue;
    attributes[STATUS_CODE_KEY] = status === -2 ? undefined : status < 0 ? null : scalarValue(status, statusEnd);
    probe.name = name;
    probe.status = statusName;
    // Server spans of one service mostly share name, route and method: the route string is made once for them.
    if (routeValue !== lastRouteValue || methodValue !== lastMethodValue || name !== lastRouteName) {
      lastRouteValue = routeValue;
      lastMethodValue = methodValue;
      lastRouteName = name;
      lastRoute = intern(rules.routeOf(probe));
    }
    sText[n * 3 + 2] = table.id(lastRoute);
    if (rules.isFailed(probe)) flags |= FLAG_FAILED;
    at = end;
  } else sText[n * 3 + 2] = table.id('');
  sCodes[n * 3 + 2] = flags;
  const p = n * 3;
  sSpans[p] = start;
  sSpans[p + 1] = end;
  sSpans[p + 2] = scopeIndex;
  return true;
}

function u32be(p: number): number {
  return ((buf[p]! << 24) | (buf[p + 1]! << 16) | (buf[p + 2]! << 8) | buf[p + 3]!) >>> 0;
}

/** Event { fixed64 time_unix_nano = 1; string name = 2; repeated KeyValue attributes = 3; uint32 dropped = 4 } */
function scanEvent(end: number): boolean {
  let nameStart = -1;
  let nameEnd = -1;
  while (at < end) {
    const tag = varint(end);
    const field = tag >>> 3;
    const wt = tag & 7;
    if (field === 1) {
      expect(wt, 1);
      fixed(end, 8);
    } else if (field === 2) {
      expect(wt, 2);
      nameEnd = lengthEnd(end);
      nameStart = at;
      at = nameEnd;
    } else if (field === 3) {
      expect(wt, 2);
      const stop = lengthEnd(end);
      validAttributes(stop);
      at = stop;
    } else if (field === 4) {
      expect(wt, 0);
      varint(end);
    } else if (field === 0) fail();
    else skip(wt, end);
  }
  return nameStart >= 0 && sameBytes(nameStart, nameEnd, EXCEPTION);
}

/** Link { bytes trace_id = 1; bytes span_id = 2; string trace_state = 3; repeated KeyValue attributes = 4;
 * uint32 dropped_attributes_count = 5; fixed32 flags = 6 } */
function scanLink(end: number): void {
  while (at < end) {
    const tag = varint(end);
    const field = tag >>> 3;
    const wt = tag & 7;
    if (field === 1 || field === 2 || field === 3) {
      expect(wt, 2);
      at = lengthEnd(end);
    } else if (field === 4) {
      expect(wt, 2);
      const stop = lengthEnd(end);
      validAttributes(stop);
      at = stop;
    } else if (field === 5) {
      expect(wt, 0);
      varint(end);
    } else if (field === 6) {
      expect(wt, 5);
      fixed(end, 4);
    } else if (field === 0) fail();
    else skip(wt, end);
  }
}

/** Status { string message = 2; StatusCode code = 3 } — returns the code as the decoder's int32. */
function scanStatus(end: number): number {
  let code = 0;
  while (at < end) {
    const tag = varint(end);
    const field = tag >>> 3;
    const wt = tag & 7;
    if (field === 2) {
      expect(wt, 2);
      at = lengthEnd(end);
    } else if (field === 3) {
      expect(wt, 0);
      code = varint(end) | 0;
    } else if (field === 0) fail();
    else skip(wt, end);
  }
  return code;
}
