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
import { traceMessageDecoders, traceMessageEncoders } from './proto.js';
import {
  ARRAY_VALUE,
  ATTRIBUTE,
  BOOL_VALUE,
  BYTES_VALUE,
  CHECK_I32,
  CHECK_I64,
  CHECK_LEN,
  CHECK_VARINT,
  CODE,
  DOUBLE_VALUE,
  END_TIME,
  EVENT,
  INT_VALUE,
  ITEM,
  KEY,
  KIND,
  KVLIST_VALUE,
  LINK,
  NAME,
  PARENT_SPAN_ID,
  probeTraceFields,
  RESOURCE,
  RESOURCE_SPANS,
  SCOPE,
  SCOPE_SPANS,
  SPAN,
  SPAN_ID,
  START_TIME,
  STATUS,
  STRING_VALUE,
  TRACE_ID,
  type TraceFieldTables,
  UNKNOWN,
  VALUE,
  WIRE_I32,
  WIRE_I64,
  WIRE_LEN,
  WIRE_VARINT,
} from './trace-fields.js';
import { attrString, intern, keyValues, msFromNanoBits } from './values.js';

/**
 * A protobuf wire-format scanner for ExportTraceServiceRequest: it walks the whole message (every field of every span,
 * attribute values included, so that what it accepts is exactly what the generated decoder accepts) and indexes each
 * span without building objects for it. It spells no message layout: the field numbers it reads come from probing the
 * generated encoders (`trace-fields.ts`) on first use, and if that probe fails the scanner disables itself — every
 * request then takes the generated decoder's path. Resource and InstrumentationScope — one per ResourceSpans /
 * ScopeSpans — are decoded by the generated decoder itself.
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

/** Each scanned message's field roles by field number, from the probe ({@link fieldTables}). */
const NONE: Uint8Array = new Uint8Array(0);
let requestRoles = NONE;
let resourceSpansRoles = NONE;
let scopeSpansRoles = NONE;
let spanRoles = NONE;
let eventRoles = NONE;
let linkRoles = NONE;
let statusRoles = NONE;
let keyValueRoles = NONE;
let anyValueRoles = NONE;
let arrayValueRoles = NONE;
let keyValueListRoles = NONE;
/** The probed tables; null once the probe failed (the scanner is then disabled); undefined before the probe. */
let tables: TraceFieldTables | null | undefined;

/**
 * Probes the generated encoders once, on first use, and fills the role tables; false when the probe failed (or the
 * generated code could not be loaded) and the scanner is disabled.
 */
function fieldTables(): boolean {
  if (tables === undefined) {
    let probed: TraceFieldTables | undefined;
    try {
      probed = probeTraceFields(traceMessageEncoders());
    } catch {
      probed = undefined;
    }
    useFieldTables(probed);
  }
  return tables !== null;
}

/**
 * Installs probed field tables (undefined: disables the scanner). The scanner calls it once with its own probe; tests
 * call it to exercise a failed probe. Returns whether the scanner is enabled.
 */
export function useFieldTables(probed: TraceFieldTables | undefined): boolean {
  tables = probed ?? null;
  requestRoles = probed?.request ?? NONE;
  resourceSpansRoles = probed?.resourceSpans ?? NONE;
  scopeSpansRoles = probed?.scopeSpans ?? NONE;
  spanRoles = probed?.span ?? NONE;
  eventRoles = probed?.event ?? NONE;
  linkRoles = probed?.link ?? NONE;
  statusRoles = probed?.status ?? NONE;
  keyValueRoles = probed?.keyValue ?? NONE;
  anyValueRoles = probed?.anyValue ?? NONE;
  arrayValueRoles = probed?.arrayValue ?? NONE;
  keyValueListRoles = probed?.keyValueList ?? NONE;
  return tables !== null;
}

/** The scanner's field tables as probed (null: the probe failed), probing first if needed. */
export function scannerFieldTables(): TraceFieldTables | null {
  fieldTables();
  return tables ?? null;
}

function roleOf(roles: Uint8Array, field: number): number {
  return field < roles.length ? roles[field]! : UNKNOWN;
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
  if (wireType === WIRE_VARINT) varint(end);
  else if (wireType === WIRE_LEN) at = lengthEnd(end);
  else if (wireType === WIRE_I64) at += 8;
  else if (wireType === WIRE_I32) at += 4;
  else fail();
  if (at > end) fail();
}

function expect(wireType: number, want: number): void {
  if (wireType !== want) fail();
}

/** A field the scanner does not know: skipped as the decoder skips it (field number 0 is invalid). */
function unknownField(tag: number, end: number): void {
  if (tag >>> 3 === 0) fail();
  skip(tag & 7, end);
}

/** A field the scanner only validates (its wire type) and steps over; false when `role` is not such a field. */
function checkField(role: number, wireType: number, end: number): boolean {
  if (role === CHECK_LEN) {
    expect(wireType, WIRE_LEN);
    at = lengthEnd(end);
  } else if (role === CHECK_VARINT) {
    expect(wireType, WIRE_VARINT);
    varint(end);
  } else if (role === CHECK_I64) {
    expect(wireType, WIRE_I64);
    fixed(end, 8);
  } else if (role === CHECK_I32) {
    expect(wireType, WIRE_I32);
    fixed(end, 4);
  } else return false;
  return true;
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
  const roles = anyValueRoles;
  while (at < end) {
    const tag = varint(end);
    const wt = tag & 7;
    const role = roleOf(roles, tag >>> 3);
    switch (role) {
      case STRING_VALUE:
      case BYTES_VALUE:
        expect(wt, WIRE_LEN);
        at = lengthEnd(end);
        break;
      case BOOL_VALUE:
        expect(wt, WIRE_VARINT);
        varint(end);
        break;
      case INT_VALUE:
        // int64: up to 10 bytes, every length valid (the decoder reads it whole)
        expect(wt, WIRE_VARINT);
        varint64(end);
        break;
      case DOUBLE_VALUE:
        expect(wt, WIRE_I64);
        fixed(end, 8);
        break;
      case ARRAY_VALUE:
      case KVLIST_VALUE: {
        expect(wt, WIRE_LEN);
        const stop = lengthEnd(end);
        const isArray = role === ARRAY_VALUE;
        const items = isArray ? arrayValueRoles : keyValueListRoles;
        while (at < stop) {
          const t = varint(stop);
          if (roleOf(items, t >>> 3) === ITEM) {
            expect(t & 7, WIRE_LEN);
            const itemEnd = lengthEnd(stop);
            if (isArray) validAnyValue(itemEnd, depth + 1);
            else validKeyValue(itemEnd, depth + 1);
          } else unknownField(t, stop);
        }
        break;
      }
      default:
        unknownField(tag, end);
    }
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
  const roles = keyValueRoles;
  while (at < end) {
    const tag = varint(end);
    const wt = tag & 7;
    const role = roleOf(roles, tag >>> 3);
    if (role === KEY) {
      expect(wt, WIRE_LEN);
      kEnd = lengthEnd(end);
      kStart = at;
      at = kEnd;
    } else if (role === VALUE) {
      expect(wt, WIRE_LEN);
      vEnd = lengthEnd(end);
      vStart = at;
      validAnyValue(vEnd, depth + 1);
    } else unknownField(tag, end);
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
  // Already validated by validAnyValue: wire types are as the roles say.
  const roles = anyValueRoles;
  while (at < end) {
    const tag = varint(end);
    const role = roleOf(roles, tag >>> 3);
    if (role === STRING_VALUE || role === BYTES_VALUE) {
      const stop = lengthEnd(end);
      if (role === STRING_VALUE) {
        text = at;
        textEnd = stop;
      } else {
        bytes = at;
        bytesEnd = stop;
      }
      at = stop;
    } else if (role === BOOL_VALUE) bool = varint(end) !== 0;
    else if (role === INT_VALUE) {
      intLo = varint64(end);
      intHi = high;
      hasInt = true;
    } else if (role === DOUBLE_VALUE) {
      double = buf.readDoubleLE(at);
      at += 8;
    } else if (role === ARRAY_VALUE || role === KVLIST_VALUE) {
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

const serverSpan: { name: string; status: 'unset' | 'ok' | 'error'; attributes: Attributes } = {
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
 * Indexes an ExportTraceServiceRequest. Returns undefined when the scanner gives up, or is disabled because probing
 * the generated code failed (the caller then takes the generated decoder's path). `bytes` is kept by the batch: pass
 * a buffer nobody else will write to.
 */
export function scanTraces(bytes: Buffer, rules: ServerSpanRules): ScannedTraces | undefined {
  if (tables === null || (tables === undefined && !fieldTables())) return undefined;
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
    if (roleOf(requestRoles, tag >>> 3) !== RESOURCE_SPANS) {
      unknownField(tag, end);
      continue;
    }
    expect(tag & 7, WIRE_LEN);
    // A ResourceSpans.
    const rsEnd = lengthEnd(end);
    const resourceIndex = resources.length;
    const firstSpan = n;
    let resourceStart = -1;
    let resourceEnd = -1;
    while (at < rsEnd) {
      const t = varint(rsEnd);
      const role = roleOf(resourceSpansRoles, t >>> 3);
      if (role === RESOURCE) {
        expect(t & 7, WIRE_LEN);
        resourceEnd = lengthEnd(rsEnd);
        resourceStart = at;
        at = resourceEnd;
      } else if (role === SCOPE_SPANS) {
        expect(t & 7, WIRE_LEN);
        const ssEnd = lengthEnd(rsEnd);
        const scanned = scanScopeSpans(ssEnd, n, scopes.length, rules, table);
        n = scanned.n;
        rejected += scanned.rejected;
        scopes.push({ message: scanned.scope, resource: resourceIndex });
      } else if (!checkField(role, t & 7, rsEnd)) unknownField(t, rsEnd);
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
  // The batch's columns share one buffer: one allocation per export rather than six (fewer backing stores for the
  // allocator and the GC to track; the same bytes). 8-byte columns first, so that every view is aligned.
  const memory = new ArrayBuffer(n * (3 * 8 + (ID_WORDS + 3 + 3) * 4 + 3));
  let offset = 0;
  const column = <T>(
    make: (buffer: ArrayBuffer, offset: number, length: number) => T,
    length: number,
    bytes: number,
  ) => {
    const view = make(memory, offset, length);
    offset += length * bytes;
    return view;
  };
  const times = column((b, o, l) => new Float64Array(b, o, l), n * 2, 8);
  times.set(sTimes.subarray(0, n * 2));
  const next = column((b, o, l) => new Float64Array(b, o, l), n, 8);
  const ids = column((b, o, l) => new Uint32Array(b, o, l), n * ID_WORDS, 4);
  ids.set(sIds.subarray(0, n * ID_WORDS));
  const text = column((b, o, l) => new Uint32Array(b, o, l), n * 3, 4);
  text.set(sText.subarray(0, n * 3));
  const spans = column((b, o, l) => new Int32Array(b, o, l), n * 3, 4);
  spans.set(sSpans.subarray(0, n * 3));
  const codes = column((b, o, l) => new Uint8Array(b, o, l), n * 3, 1);
  codes.set(sCodes.subarray(0, n * 3));
  return {
    batch: {
      seq: 0,
      live: 0,
      size: n,
      ids,
      next,
      times,
      codes,
      text,
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
  let rejected = 0;
  let scopeStart = -1;
  let scopeEnd = -1;
  while (at < end) {
    const t = varint(end);
    const role = roleOf(scopeSpansRoles, t >>> 3);
    if (role === SCOPE) {
      expect(t & 7, WIRE_LEN);
      scopeEnd = lengthEnd(end);
      scopeStart = at;
      at = scopeEnd;
    } else if (role === SPAN) {
      expect(t & 7, WIRE_LEN);
      const spanEnd = lengthEnd(end);
      ensure(n + 1);
      if (scanSpan(at, spanEnd, n, scopeIndex, rules, table)) n++;
      else rejected++;
      at = spanEnd;
    } else if (!checkField(role, t & 7, end)) unknownField(t, end);
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
  const roles = spanRoles;
  while (at < end) {
    const tag = varint(end);
    const wt = tag & 7;
    const role = roleOf(roles, tag >>> 3);
    switch (role) {
      case TRACE_ID:
      case SPAN_ID:
      case PARENT_SPAN_ID: {
        expect(wt, WIRE_LEN);
        const stop = lengthEnd(end);
        if (role === TRACE_ID) {
          traceStart = at;
          traceLen = stop - at;
        } else if (role === SPAN_ID) {
          spanStart = at;
          spanLen = stop - at;
        } else {
          parentStart = at;
          parentLen = stop - at;
        }
        at = stop;
        break;
      }
      case NAME: {
        expect(wt, WIRE_LEN);
        nameEnd = lengthEnd(end);
        nameStart = at;
        at = nameEnd;
        break;
      }
      case KIND:
        expect(wt, WIRE_VARINT);
        kind = varint(end) | 0;
        break;
      case START_TIME:
      case END_TIME:
        expect(wt, WIRE_I64);
        if (at + 8 > end) fail();
        if (role === START_TIME) {
          startLo = u32le(at);
          startHi = u32le(at + 4);
        } else {
          endLo = u32le(at);
          endHi = u32le(at + 4);
        }
        at += 8;
        break;
      case ATTRIBUTE: {
        expect(wt, WIRE_LEN);
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
      case EVENT:
        expect(wt, WIRE_LEN);
        if (scanEvent(lengthEnd(end))) exception = true;
        break;
      case LINK:
        expect(wt, WIRE_LEN);
        scanLink(lengthEnd(end));
        break;
      case STATUS:
        expect(wt, WIRE_LEN);
        // A repeated message field replaces the earlier one in the decoder: the last Status decides.
        statusCode = scanStatus(lengthEnd(end));
        break;
      // Fields only validated, as in checkField (inline: every span from the SDK has some).
      case CHECK_VARINT:
        expect(wt, WIRE_VARINT);
        varint(end);
        break;
      case CHECK_I32:
        expect(wt, WIRE_I32);
        fixed(end, 4);
        break;
      case CHECK_LEN:
        expect(wt, WIRE_LEN);
        at = lengthEnd(end);
        break;
      case CHECK_I64:
        expect(wt, WIRE_I64);
        fixed(end, 8);
        break;
      default:
        unknownField(tag, end);
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
    // One reused span object for the rules; an absent attribute reads as undefined, which the rules treat as absent.
    const attributes = serverSpan.attributes as Record<string, AttributeValue | undefined>;
    const routeValue = route === -2 ? undefined : route < 0 ? null : scalarValue(route, routeEnd);
    const methodValue = method === -2 ? undefined : method < 0 ? null : scalarValue(method, methodEnd);
    attributes[ROUTE_KEY] = routeValue;
    attributes[METHOD_KEY] = methodValue;
    attributes[STATUS_CODE_KEY] = status === -2 ? undefined : status < 0 ? null : scalarValue(status, statusEnd);
    serverSpan.name = name;
    serverSpan.status = statusName;
    // Server spans of one service mostly share name, route and method: the route string is made once for them.
    if (routeValue !== lastRouteValue || methodValue !== lastMethodValue || name !== lastRouteName) {
      lastRouteValue = routeValue;
      lastMethodValue = methodValue;
      lastRouteName = name;
      lastRoute = intern(rules.routeOf(serverSpan));
    }
    sText[n * 3 + 2] = table.id(lastRoute);
    if (rules.isFailed(serverSpan)) flags |= FLAG_FAILED;
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
  const b = buf;
  return ((b[p]! << 24) | (b[p + 1]! << 16) | (b[p + 2]! << 8) | b[p + 3]!) >>> 0;
}

/** Validates a Span.Event; true when it is named `exception`. */
function scanEvent(end: number): boolean {
  let nameStart = -1;
  let nameEnd = -1;
  const roles = eventRoles;
  while (at < end) {
    const tag = varint(end);
    const wt = tag & 7;
    const role = roleOf(roles, tag >>> 3);
    if (role === NAME) {
      expect(wt, WIRE_LEN);
      nameEnd = lengthEnd(end);
      nameStart = at;
      at = nameEnd;
    } else if (role === ATTRIBUTE) {
      expect(wt, WIRE_LEN);
      const stop = lengthEnd(end);
      validAttributes(stop);
      at = stop;
    } else if (!checkField(role, wt, end)) unknownField(tag, end);
  }
  return nameStart >= 0 && sameBytes(nameStart, nameEnd, EXCEPTION);
}

/** Validates a Span.Link. */
function scanLink(end: number): void {
  const roles = linkRoles;
  while (at < end) {
    const tag = varint(end);
    const wt = tag & 7;
    const role = roleOf(roles, tag >>> 3);
    if (role === ATTRIBUTE) {
      expect(wt, WIRE_LEN);
      const stop = lengthEnd(end);
      validAttributes(stop);
      at = stop;
    } else if (!checkField(role, wt, end)) unknownField(tag, end);
  }
}

/** Validates a Status; returns its code as the decoder's int32. */
function scanStatus(end: number): number {
  let code = 0;
  const roles = statusRoles;
  while (at < end) {
    const tag = varint(end);
    const wt = tag & 7;
    const role = roleOf(roles, tag >>> 3);
    if (role === CODE) {
      expect(wt, WIRE_VARINT);
      code = varint(end) | 0;
    } else if (!checkField(role, wt, end)) unknownField(tag, end);
  }
  return code;
}
