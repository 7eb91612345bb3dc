import { ATTRIBUTE_NAMES } from '../internal/attribute-names.js';
import type { SlabArena } from '../store/slab-arena.js';
import type * as Batch from '../store/span-batch.js';
import type { RawSpans, SpanBatch } from '../store/span-batch.js';
import { BatchStrings, ID_WORDS } from '../store/span-batch.js';
import type { Attributes, AttributeValue } from '../store/types.js';
import { traceMessageDecoders, traceMessageEncoders } from './proto.js';
import type * as Fields from './trace-fields.js';
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
  type END_TIME,
  type EVENT,
  INT_VALUE,
  ITEM,
  KEY,
  type KIND,
  KVLIST_VALUE,
  type LINK,
  NAME,
  type PARENT_SPAN_ID,
  probeTraceFields,
  RESOURCE,
  RESOURCE_SPANS,
  SCOPE,
  SCOPE_SPANS,
  SPAN,
  type SPAN_ID,
  type START_TIME,
  type STATUS,
  STRING_VALUE,
  type TRACE_ID,
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

/**
 * A scanned export: its valid spans and how many spans were rejected. The scan has validated the whole request, so
 * that an answer can be given from `spans` and `rejected` alone; the batch's own columns are copied out of the scan's
 * scratch columns when `batch` is first read (after the answer, when the receiver defers storing).
 */
export interface ScannedTraces {
  /** The batch of the valid spans, built on first read. */
  readonly batch: SpanBatch;
  /** Number of valid spans (the batch's size). */
  readonly spans: number;
  /** Spans without a valid trace id or span id (as `normalizeTraces` rejects them). */
  readonly rejected: number;
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
/** The attribute keys a span's index reads, in the order scanSpan's `which` numbers them. */
const INDEXED_KEYS = [ROUTE, METHOD, STATUS_CODE];
/**
 * The same keys as little-endian 32-bit words (the whole words of each; its last `length % 4` bytes are compared one
 * by one). Byte loops cost TurboFan a map and bounds check per byte (it does not hoist them out of loops); four bytes
 * read in one straight line share them. Measured with callgrind, this and the same for the string cache below: the scan
 * of the ingest bench's spans went from 9,043 to 8,221 instructions per span.
 */
const INDEXED_KEY_WORDS = INDEXED_KEYS.map(wordsOf);

function wordsOf(bytes: Uint8Array): Int32Array {
  const words = new Int32Array(bytes.length >> 2);
  for (let w = 0; w < words.length; w++) {
    const q = w * 4;
    words[w] = bytes[q]! | (bytes[q + 1]! << 8) | (bytes[q + 2]! << 16) | (bytes[q + 3]! << 24);
  }
  return words;
}

/** Where the last {@link varintAt} / {@link varint64At} ended, or where the contents of the last {@link lengthStop} start. */
let after = 0;
/** High 32 bits of the last {@link varint64At}. */
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
  const stringField = anyValueRoles.indexOf(STRING_VALUE);
  stringValueTag = stringField > 0 && stringField < 16 ? (stringField << 3) | WIRE_LEN : -1;
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

/*
 * The walking functions below take the request as `b` and keep their read position in a local `p`, returning where
 * they stopped. Tags and lengths are nearly always one byte long (every field number the scanner reads is below 16,
 * and most strings are shorter than 128 bytes): the hot loops read those inline and call the helpers below for the
 * rest, which check exactly what the inline paths check.
 */

/**
 * The varint at `p`: its low 32 bits, unsigned (what protobufjs' uint32/int32/bool/enum readers keep); {@link after}
 * is where it ends. Those readers take a varint longer than 5 bytes to be 10 bytes long; the scanner gives up on the
 * 6- to 9-byte ones instead of guessing.
 */
function varintAt(b: Buffer, p: number, end: number): number {
  let x = 0;
  for (let i = 0; i < 10; i++) {
    if (p >= end) fail();
    const c = b[p++]!;
    if (i < 5) x |= (c & 0x7f) << (7 * i);
    if (c < 0x80) {
      if (i >= 5 && i < 9) fail();
      after = p;
      return x >>> 0;
    }
  }
  return fail();
}

/** A varint as two 32-bit halves: returns the low half, leaves the high half in {@link high}, its end in {@link after}. */
function varint64At(b: Buffer, p: number, end: number): number {
  let lo = 0;
  let hi = 0;
  for (let i = 0; i < 10; i++) {
    if (p >= end) fail();
    const c = b[p++]!;
    const bits = c & 0x7f;
    if (i < 4) lo |= bits << (7 * i);
    else if (i === 4) {
      lo |= (bits & 0x0f) << 28;
      hi |= bits >> 4;
    } else hi |= bits << (7 * i - 32);
    if (c < 0x80) {
      high = hi >>> 0;
      after = p;
      return lo >>> 0;
    }
  }
  return fail();
}

/** Steps over an int64 varint (up to 10 bytes, every length valid: the decoder reads it whole); returns its end. */
function skipVarint64(b: Buffer, p: number, end: number): number {
  for (let i = 0; i < 10; i++) {
    if (p >= end) fail();
    if (b[p++]! < 0x80) return p;
  }
  return fail();
}

/** Reads the length prefix at `p`; returns the end of the field it announces, {@link after} is where it starts. */
function lengthStop(b: Buffer, p: number, end: number): number {
  let len: number;
  if (p < end && b[p]! < 0x80) len = b[p++]!;
  else {
    len = varintAt(b, p, end);
    p = after;
  }
  const stop = p + len;
  if (stop > end) fail();
  after = p;
  return stop;
}

/** Steps over a field the decoder does not know (it skips it too; field number 0 is invalid); returns its end. */
function skipField(b: Buffer, p: number, end: number, tag: number): number {
  if (tag >>> 3 === 0) fail();
  const wireType = tag & 7;
  if (wireType === WIRE_VARINT) {
    varintAt(b, p, end);
    p = after;
  } else if (wireType === WIRE_LEN) p = lengthStop(b, p, end);
  else if (wireType === WIRE_I64) p += 8;
  else if (wireType === WIRE_I32) p += 4;
  else fail();
  if (p > end) fail();
  return p;
}

/**
 * Steps over a field the scanner only validates (one of the CHECK_* roles: its wire type is checked) or does not know
 * (any other role the message has no case for); returns its end.
 */
function otherField(b: Buffer, p: number, end: number, tag: number, role: number): number {
  const wireType = tag & 7;
  if (role === CHECK_LEN) {
    if (wireType !== WIRE_LEN) fail();
    return lengthStop(b, p, end);
  }
  if (role === CHECK_VARINT) {
    if (wireType !== WIRE_VARINT) fail();
    varintAt(b, p, end);
    return after;
  }
  if (role === CHECK_I64 || role === CHECK_I32) {
    if (wireType !== (role === CHECK_I64 ? WIRE_I64 : WIRE_I32)) fail();
    const stop = p + (role === CHECK_I64 ? 8 : 4);
    if (stop > end) fail();
    return stop;
  }
  return skipField(b, p, end, tag);
}

function sameBytes(b: Buffer, start: number, stop: number, text: Uint8Array): boolean {
  if (stop - start !== text.length) return false;
  for (let i = 0; i < text.length; i++) if (b[start + i] !== text[i]) return false;
  return true;
}

/**
 * The tag of AnyValue's string member when it is one byte long, else -1 (no byte equals it): a KeyValue's value that
 * is just that tag, a one-byte length and the string is valid without calling {@link validAnyValue}.
 */
let stringValueTag = -1;

/** Validates the AnyValue at p..end. */
function validAnyValue(b: Buffer, p: number, end: number, depth: number): void {
  if (depth > MAX_DEPTH) fail();
  const roles = anyValueRoles;
  while (p < end) {
    let tag = b[p]!;
    if (tag < 0x80) p++;
    else {
      tag = varintAt(b, p, end);
      p = after;
    }
    const wt = tag & 7;
    const field = tag >>> 3;
    const role = field < roles.length ? roles[field]! : UNKNOWN;
    switch (role) {
      case STRING_VALUE:
      case BYTES_VALUE:
        if (wt !== WIRE_LEN) fail();
        p = lengthStop(b, p, end);
        break;
      case BOOL_VALUE:
        if (wt !== WIRE_VARINT) fail();
        varintAt(b, p, end);
        p = after;
        break;
      case INT_VALUE:
        // int64: up to 10 bytes, every length valid (the decoder reads it whole)
        if (wt !== WIRE_VARINT) fail();
        p = skipVarint64(b, p, end);
        break;
      case DOUBLE_VALUE:
        if (wt !== WIRE_I64) fail();
        p += 8;
        if (p > end) fail();
        break;
      case ARRAY_VALUE:
      case KVLIST_VALUE: {
        if (wt !== WIRE_LEN) fail();
        const stop = lengthStop(b, p, end);
        p = after;
        const isArray = role === ARRAY_VALUE;
        const items = isArray ? arrayValueRoles : keyValueListRoles;
        while (p < stop) {
          const t = varintAt(b, p, stop);
          p = after;
          if (roleOf(items, t >>> 3) === ITEM) {
            if ((t & 7) !== WIRE_LEN) fail();
            const itemEnd = lengthStop(b, p, stop);
            if (isArray) validAnyValue(b, after, itemEnd, depth + 1);
            else validKeyValue(b, after, itemEnd, depth + 1);
            p = itemEnd;
          } else p = skipField(b, p, stop, t);
        }
        break;
      }
      default:
        p = skipField(b, p, end, tag);
    }
  }
}

/** Validates the KeyValue at p..end (a span's own attributes are walked inline, in {@link scanSpan}). */
function validKeyValue(b: Buffer, p: number, end: number, depth: number): void {
  const roles = keyValueRoles;
  while (p < end) {
    let tag = b[p]!;
    if (tag < 0x80) p++;
    else {
      tag = varintAt(b, p, end);
      p = after;
    }
    const role = roleOf(roles, tag >>> 3);
    if (role === KEY) {
      if ((tag & 7) !== WIRE_LEN) fail();
      p = lengthStop(b, p, end);
    } else if (role === VALUE) {
      if ((tag & 7) !== WIRE_LEN) fail();
      const stop = lengthStop(b, p, end);
      validAnyValue(b, after, stop, depth + 1);
      p = stop;
    } else p = skipField(b, p, end, tag);
  }
}

/**
 * A scalar AnyValue as `anyValue` (values.ts) returns it, for the attributes the index reads; arrays and key-value
 * lists come back as null, which the attribute readers treat as they treat any non-scalar.
 */
function scalarValue(b: Buffer, start: number, end: number): AttributeValue {
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
  // One short string (what HTTP attributes nearly always are), as the loop below would read it.
  if (end - start >= 2 && b[start] === stringValueTag && b[start + 1]! < 0x80 && start + 2 + b[start + 1]! === end)
    return sharedString(b, start + 2, end);
  let p = start;
  // Already validated by validAnyValue: wire types are as the roles say.
  const roles = anyValueRoles;
  while (p < end) {
    const tag = varintAt(b, p, end);
    p = after;
    const role = roleOf(roles, tag >>> 3);
    if (role === STRING_VALUE || role === BYTES_VALUE) {
      const stop = lengthStop(b, p, end);
      if (role === STRING_VALUE) {
        text = after;
        textEnd = stop;
      } else {
        bytes = after;
        bytesEnd = stop;
      }
      p = stop;
    } else if (role === BOOL_VALUE) {
      bool = varintAt(b, p, end) !== 0;
      p = after;
    } else if (role === INT_VALUE) {
      intLo = varint64At(b, p, end);
      intHi = high;
      hasInt = true;
      p = after;
    } else if (role === DOUBLE_VALUE) {
      double = b.readDoubleLE(p);
      p += 8;
    } else if (role === ARRAY_VALUE || role === KVLIST_VALUE) {
      p = lengthStop(b, p, end);
      nested = true;
    } else p = skipField(b, p, end, tag);
  }
  // The order of `anyValue`'s checks, should a sender set more than one member of the oneof.
  if (text >= 0) return sharedString(b, text, textEnd);
  if (bool !== undefined) return bool;
  if (hasInt) {
    const n = (intHi | 0) * 4294967296 + intLo;
    if (Number.isSafeInteger(n)) return n;
    return BigInt.asIntN(64, (BigInt(intHi) << 32n) | BigInt(intLo)).toString();
  }
  if (double !== undefined) return Number.isFinite(double) ? double : 0;
  if (nested) return null;
  if (bytes >= 0) return b.toString('base64', bytes, bytesEnd);
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
/**
 * `cacheArena` as 32-bit words (slots start on a word), compared four bytes at a time with words read little-endian
 * from the request. On a big-endian host they never match: every name is then decoded, which is correct, only slower.
 */
const cacheWords = new Int32Array(cacheArena.buffer);
const cacheLength = new Int32Array(CACHE_SLOTS).fill(-1);
const cacheString: string[] = new Array<string>(CACHE_SLOTS).fill('');

function sharedString(b: Buffer, start: number, end: number): string {
  const len = end - start;
  if (len > CACHE_BYTES) return intern(b.toString('utf8', start, end));
  if (len === 0) return '';
  const h = (len * 31 + b[start]! * 7 + b[end - 1]! * 131 + b[start + (len >> 1)]! * 1031) & (CACHE_SLOTS - 1);
  const o = h * CACHE_BYTES;
  if (cacheLength[h] === len) {
    const words = cacheWords;
    const whole = len >> 2;
    let w = 0;
    for (let q = start; w < whole; w++, q += 4) {
      if ((b[q]! | (b[q + 1]! << 8) | (b[q + 2]! << 16) | (b[q + 3]! << 24)) !== words[(o >> 2) + w]) break;
    }
    if (w === whole) {
      const arena = cacheArena;
      let i = whole * 4;
      while (i < len && arena[o + i] === b[start + i]) i++;
      if (i === len) return cacheString[h]!;
    }
  }
  const text = intern(b.toString('utf8', start, end));
  cacheArena.set(b.subarray(start, end), o);
  cacheLength[h] = len;
  cacheString[h] = text;
  return text;
}

/**
 * Scratch index columns, filled by a scan and copied out at exact size into its batch. A scan whose batch has not
 * been built yet keeps its set (the next export may be scanned before the first is stored); sets come back to a
 * small pool once their batch is built.
 */
interface Columns {
  cap: number;
  ids: Uint32Array;
  times: Float64Array;
  codes: Uint8Array;
  spans: Int32Array;
  text: Uint32Array;
}

const freeColumns: Columns[] = [];
/** Free sets kept: two exports in flight, and one being stored. */
const MAX_FREE_COLUMNS = 3;
/** Sets grown for exports larger than this many spans are not kept (an odd huge export holds no memory after it). */
const MAX_POOLED_CAP = 4096;

function releaseColumns(columns: Columns): void {
  if (freeColumns.length < MAX_FREE_COLUMNS && columns.cap <= MAX_POOLED_CAP) freeColumns.push(columns);
}

// The columns of the scan under way (module state, read once per span into locals).
let cap = 0;
let sIds: Uint32Array = new Uint32Array(0);
let sTimes: Float64Array = new Float64Array(0);
let sCodes: Uint8Array = new Uint8Array(0);
let sSpans: Int32Array = new Int32Array(0);
let sText: Uint32Array = new Uint32Array(0);

function takeColumns(): void {
  const free = freeColumns.pop();
  cap = free?.cap ?? 0;
  sIds = free?.ids ?? new Uint32Array(0);
  sTimes = free?.times ?? new Float64Array(0);
  sCodes = free?.codes ?? new Uint8Array(0);
  sSpans = free?.spans ?? new Int32Array(0);
  sText = free?.text ?? new Uint32Array(0);
}

function ensure(n: number): void {
  if (n <= cap) return;
  cap = Math.max(512, n * 2);
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
 * the generated code failed (the caller then takes the generated decoder's path). With an `arena`, the batch copies
 * the request bytes and its index into a region of it when it is built (the caller may reuse `bytes` after that);
 * without one, the batch keeps `bytes` itself: pass a buffer nobody else will write to.
 */
export function scanTraces(bytes: Buffer, rules: ServerSpanRules, arena?: SlabArena): ScannedTraces | undefined {
  if (tables === null || (tables === undefined && !fieldTables())) return undefined;
  takeColumns();
  try {
    return scanRequest(bytes, rules, arena);
  } catch (error) {
    releaseColumns({ cap, ids: sIds, times: sTimes, codes: sCodes, spans: sSpans, text: sText });
    if (error === GIVE_UP) return undefined;
    throw error;
  }
}

function scanRequest(b: Buffer, rules: ServerSpanRules, arena: SlabArena | undefined): ScannedTraces {
  const end = b.length;
  const table = new BatchStrings();
  const scopes: { message: unknown; resource: number }[] = [];
  const resources: { message: unknown; attributes: Attributes }[] = [];
  const decoders = traceMessageDecoders();
  let n = 0;
  let rejected = 0;
  let p = 0;
  while (p < end) {
    const tag = varintAt(b, p, end);
    p = after;
    if (roleOf(requestRoles, tag >>> 3) !== RESOURCE_SPANS) {
      p = skipField(b, p, end, tag);
      continue;
    }
    if ((tag & 7) !== WIRE_LEN) fail();
    // A ResourceSpans.
    const rsEnd = lengthStop(b, p, end);
    p = after;
    const resourceIndex = resources.length;
    const firstSpan = n;
    let resourceStart = -1;
    let resourceEnd = -1;
    while (p < rsEnd) {
      const t = varintAt(b, p, rsEnd);
      p = after;
      const role = roleOf(resourceSpansRoles, t >>> 3);
      if (role === RESOURCE) {
        if ((t & 7) !== WIRE_LEN) fail();
        resourceEnd = lengthStop(b, p, rsEnd);
        resourceStart = after;
        p = resourceEnd;
      } else if (role === SCOPE_SPANS) {
        if ((t & 7) !== WIRE_LEN) fail();
        const ssEnd = lengthStop(b, p, rsEnd);
        const scanned = scanScopeSpans(b, after, ssEnd, n, scopes.length, rules, table);
        n = scanned.n;
        rejected += scanned.rejected;
        scopes.push({ message: scanned.scope, resource: resourceIndex });
        p = ssEnd;
      } else p = otherField(b, p, rsEnd, t, role);
    }
    const message = resourceStart >= 0 ? decodeOrGiveUp(decoders.resource, b, resourceStart, resourceEnd) : null;
    const attributes = keyValues(
      message !== null && typeof message === 'object' ? (message as { attributes?: unknown }).attributes : undefined,
    );
    resources.push({ message, attributes });
    // As `serviceOf` in normalize.ts.
    const name = attrString(attributes, ATTRIBUTE_NAMES.service) ?? 'unknown_service';
    const id = table.id(name);
    for (let i = firstSpan; i < n; i++) sText[i * 3 + 1] = id;
  }
  const columns: Columns = { cap, ids: sIds, times: sTimes, codes: sCodes, spans: sSpans, text: sText };
  return new Scanned(n, rejected, columns, { bytes: b, table, scopes, resources, arena });
}

/** What a scan found besides its columns: the request, its strings, scopes and resources, and where to keep them. */
interface ScanParts {
  bytes: Buffer;
  arena: SlabArena | undefined;
  table: BatchStrings;
  scopes: RawSpans['scopes'];
  resources: RawSpans['resources'];
}

class Scanned implements ScannedTraces {
  readonly spans: number;
  readonly rejected: number;
  #columns: Columns | undefined;
  #parts: ScanParts;
  #batch: SpanBatch | undefined;

  constructor(spans: number, rejected: number, columns: Columns, parts: ScanParts) {
    this.spans = spans;
    this.rejected = rejected;
    this.#columns = columns;
    this.#parts = parts;
  }

  get batch(): SpanBatch {
    if (!this.#batch) {
      this.#batch = buildBatch(this.spans, this.#columns!, this.#parts);
      releaseColumns(this.#columns!);
      this.#columns = undefined;
    }
    return this.#batch;
  }
}

function buildBatch(n: number, scratch: Columns, parts: ScanParts): SpanBatch {
  // The batch's columns share one region: one allocation per export rather than six (fewer backing stores for the
  // allocator and the GC to track; the same bytes). 8-byte columns first, so that every view is aligned. With an
  // arena, the request bytes follow the columns in the same region (see slab-arena.ts for why).
  const columnBytes = n * (3 * 8 + (ID_WORDS + 3 + 3) * 4 + 3);
  const arena = parts.arena;
  const padded = (columnBytes + 7) & ~7;
  const region = arena ? arena.alloc(padded + parts.bytes.length) : undefined;
  const memory = region ? region.memory : new ArrayBuffer(columnBytes);
  let offset = region ? region.offset : 0;
  let bytes = parts.bytes;
  if (region) {
    bytes = Buffer.from(memory, region.offset + padded, parts.bytes.length);
    parts.bytes.copy(bytes);
  }
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
  times.set(scratch.times.subarray(0, n * 2));
  const next = column((b, o, l) => new Float64Array(b, o, l), n, 8);
  const ids = column((b, o, l) => new Uint32Array(b, o, l), n * ID_WORDS, 4);
  ids.set(scratch.ids.subarray(0, n * ID_WORDS));
  const text = column((b, o, l) => new Uint32Array(b, o, l), n * 3, 4);
  text.set(scratch.text.subarray(0, n * 3));
  const spans = column((b, o, l) => new Int32Array(b, o, l), n * 3, 4);
  spans.set(scratch.spans.subarray(0, n * 3));
  const codes = column((b, o, l) => new Uint8Array(b, o, l), n * 3, 1);
  codes.set(scratch.codes.subarray(0, n * 3));
  return {
    seq: 0,
    live: 0,
    size: n,
    ids,
    next,
    times,
    codes,
    text,
    strings: parts.table.strings,
    raw: { bytes, spans, scopes: parts.scopes, resources: parts.resources },
    full: undefined,
    slab: region?.slab,
  };
}

function decodeOrGiveUp(decode: (data: Uint8Array) => unknown, b: Buffer, start: number, end: number): unknown {
  try {
    return decode(b.subarray(start, end));
  } catch {
    return fail();
  }
}

function scanScopeSpans(
  b: Buffer,
  p: number,
  end: number,
  n: number,
  scopeIndex: number,
  rules: ServerSpanRules,
  table: BatchStrings,
): { n: number; rejected: number; scope: unknown } {
  let rejected = 0;
  let scopeStart = -1;
  let scopeEnd = -1;
  const roles = scopeSpansRoles;
  while (p < end) {
    let tag = b[p]!;
    if (tag < 0x80) p++;
    else {
      tag = varintAt(b, p, end);
      p = after;
    }
    const role = roleOf(roles, tag >>> 3);
    if (role === SPAN) {
      if ((tag & 7) !== WIRE_LEN) fail();
      const spanEnd = lengthStop(b, p, end);
      ensure(n + 1);
      if (scanSpan(b, after, spanEnd, n, scopeIndex, rules, table)) n++;
      else rejected++;
      p = spanEnd;
    } else if (role === SCOPE) {
      if ((tag & 7) !== WIRE_LEN) fail();
      scopeEnd = lengthStop(b, p, end);
      scopeStart = after;
      p = scopeEnd;
    } else p = otherField(b, p, end, tag, role);
  }
  const scope = scopeStart >= 0 ? decodeOrGiveUp(traceMessageDecoders().scope, b, scopeStart, scopeEnd) : null;
  return { n, rejected, scope };
}

function idIsValid(b: Buffer, start: number, len: number, want: number): boolean {
  if (start < 0 || len !== want) return false;
  for (let i = 0; i < len; i++) if (b[start + i] !== 0) return true;
  return false;
}

/** Indexes span `n` (the Span message at start..end); false when its ids make it rejected. */
function scanSpan(
  b: Buffer,
  start: number,
  end: number,
  n: number,
  scopeIndex: number,
  rules: ServerSpanRules,
  table: BatchStrings,
): boolean {
  // Literal copies of the imported constants read here, each held equal to its import by `satisfies`: TurboFan reads
  // an imported binding from its module cell, with a hole check, at every use (and the case labels below are literals
  // because only a switch over literal cases becomes a jump table). Measured with callgrind: the scan went from 8,221
  // to 6,835 instructions per span.
  const WIRE_VARINT = 0 satisfies typeof Fields.WIRE_VARINT;
  const WIRE_I64 = 1 satisfies typeof Fields.WIRE_I64;
  const WIRE_LEN = 2 satisfies typeof Fields.WIRE_LEN;
  const WIRE_I32 = 5 satisfies typeof Fields.WIRE_I32;
  const UNKNOWN = 0 satisfies typeof Fields.UNKNOWN;
  const TRACE_ID = 10 satisfies typeof Fields.TRACE_ID;
  const SPAN_ID = 11 satisfies typeof Fields.SPAN_ID;
  const PARENT_SPAN_ID = 12 satisfies typeof Fields.PARENT_SPAN_ID;
  const START_TIME = 15 satisfies typeof Fields.START_TIME;
  const EVENT = 18 satisfies typeof Fields.EVENT;
  const LINK = 19 satisfies typeof Fields.LINK;
  const KEY = 22 satisfies typeof Fields.KEY;
  const VALUE = 23 satisfies typeof Fields.VALUE;
  const ID_WORDS = 10 satisfies typeof Batch.ID_WORDS;
  const ID_SPAN = 4 satisfies typeof Batch.ID_SPAN;
  const ID_PARENT = 6 satisfies typeof Batch.ID_PARENT;
  const ID_START = 8 satisfies typeof Batch.ID_START;
  const FLAG_PARENT = 1 satisfies typeof Batch.FLAG_PARENT;
  const FLAG_EXCEPTION = 2 satisfies typeof Batch.FLAG_EXCEPTION;
  const FLAG_FAILED = 4 satisfies typeof Batch.FLAG_FAILED;
  const KIND_SERVER = 2 satisfies typeof Batch.KIND_SERVER;
  const STATUS_ERROR = 2 satisfies typeof Batch.STATUS_ERROR;

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
  let p = start;
  const roles = spanRoles;
  const kvRoles = keyValueRoles;
  const stringTag = stringValueTag;
  while (p < end) {
    let tag = b[p]!;
    if (tag < 0x80) p++;
    else {
      tag = varintAt(b, p, end);
      p = after;
    }
    const wt = tag & 7;
    const field = tag >>> 3;
    const role = field < roles.length ? roles[field]! : UNKNOWN;
    switch (role) {
      case 10 satisfies typeof TRACE_ID:
      case 11 satisfies typeof SPAN_ID:
      case 12 satisfies typeof PARENT_SPAN_ID:
      case 13 satisfies typeof NAME: {
        if (wt !== WIRE_LEN) fail();
        let from: number;
        let stop: number;
        if (p < end && b[p]! < 0x80) {
          from = p + 1;
          stop = from + b[p]!;
          if (stop > end) fail();
        } else {
          stop = lengthStop(b, p, end);
          from = after;
        }
        if (role === TRACE_ID) {
          traceStart = from;
          traceLen = stop - from;
        } else if (role === SPAN_ID) {
          spanStart = from;
          spanLen = stop - from;
        } else if (role === PARENT_SPAN_ID) {
          parentStart = from;
          parentLen = stop - from;
        } else {
          nameStart = from;
          nameEnd = stop;
        }
        p = stop;
        break;
      }
      case 14 satisfies typeof KIND:
        if (wt !== WIRE_VARINT) fail();
        if (p < end && b[p]! < 0x80) kind = b[p++]!;
        else {
          kind = varintAt(b, p, end) | 0;
          p = after;
        }
        break;
      case 15 satisfies typeof START_TIME:
      case 16 satisfies typeof END_TIME:
        if (wt !== WIRE_I64) fail();
        if (p + 8 > end) fail();
        // Little-endian halves, read inline (scanSpan is too large for V8 to inline even small helpers into it).
        if (role === START_TIME) {
          startLo = (b[p]! | (b[p + 1]! << 8) | (b[p + 2]! << 16) | (b[p + 3]! << 24)) >>> 0;
          startHi = (b[p + 4]! | (b[p + 5]! << 8) | (b[p + 6]! << 16) | (b[p + 7]! << 24)) >>> 0;
        } else {
          endLo = (b[p]! | (b[p + 1]! << 8) | (b[p + 2]! << 16) | (b[p + 3]! << 24)) >>> 0;
          endHi = (b[p + 4]! | (b[p + 5]! << 8) | (b[p + 6]! << 16) | (b[p + 7]! << 24)) >>> 0;
        }
        p += 8;
        break;
      case 17 satisfies typeof ATTRIBUTE: {
        if (wt !== WIRE_LEN) fail();
        let stop: number;
        if (p < end && b[p]! < 0x80) {
          stop = p + 1 + b[p]!;
          p++;
          if (stop > end) fail();
        } else {
          stop = lengthStop(b, p, end);
          p = after;
        }
        // The KeyValue at p..stop, walked as validKeyValue walks it; its last key and value are kept.
        let keyStart = -1;
        let keyEnd = -1;
        let valueStart = -1;
        let valueEnd = -1;
        while (p < stop) {
          let t = b[p]!;
          if (t < 0x80) p++;
          else {
            t = varintAt(b, p, stop);
            p = after;
          }
          const f = t >>> 3;
          const r = f < kvRoles.length ? kvRoles[f]! : UNKNOWN;
          if (r === KEY || r === VALUE) {
            if ((t & 7) !== WIRE_LEN) fail();
            let from: number;
            let to: number;
            if (p < stop && b[p]! < 0x80) {
              from = p + 1;
              to = from + b[p]!;
              if (to > stop) fail();
            } else {
              to = lengthStop(b, p, stop);
              from = after;
            }
            if (r === KEY) {
              keyStart = from;
              keyEnd = to;
            } else {
              valueStart = from;
              valueEnd = to;
              // A value that is one short string (the common case) is valid as it is; anything else is walked.
              if (!(to - from >= 2 && b[from] === stringTag && b[from + 1]! < 0x80 && from + 2 + b[from + 1]! === to))
                validAnyValue(b, from, to, 1);
            }
            p = to;
          } else p = skipField(b, p, stop, t);
        }
        if (attributeCount++ < MAX_ATTRIBUTES && keyStart >= 0) {
          const len = keyEnd - keyStart;
          let which = -1;
          const keys = INDEXED_KEYS;
          for (let k = 0; k < keys.length && which < 0; k++) {
            const key = keys[k]!;
            if (key.length !== len) continue;
            const words = INDEXED_KEY_WORDS[k]!;
            let i = 0;
            for (let q = keyStart; i < words.length; i++, q += 4) {
              if ((b[q]! | (b[q + 1]! << 8) | (b[q + 2]! << 16) | (b[q + 3]! << 24)) !== words[i]) break;
            }
            if (i < words.length) continue;
            i *= 4;
            while (i < len && b[keyStart + i] === key[i]) i++;
            if (i === len) which = k;
          }
          if (which >= 0) {
            if (which === 0) {
              route = valueStart;
              routeEnd = valueEnd;
            } else if (which === 1) {
              method = valueStart;
              methodEnd = valueEnd;
            } else {
              status = valueStart;
              statusEnd = valueEnd;
            }
          }
        }
        break;
      }
      case 18 satisfies typeof EVENT:
      case 19 satisfies typeof LINK:
      case 20 satisfies typeof STATUS: {
        if (wt !== WIRE_LEN) fail();
        const stop = lengthStop(b, p, end);
        if (role === EVENT) {
          if (scanEvent(b, after, stop)) exception = true;
        } else if (role === LINK) scanLink(b, after, stop);
        // A repeated message field replaces the earlier one in the decoder: the last Status decides.
        else statusCode = scanStatus(b, after, stop);
        p = stop;
        break;
      }
      // Fields only validated, as in otherField (inline: every span from the SDK has some).
      case 1 satisfies typeof CHECK_VARINT:
        if (wt !== WIRE_VARINT) fail();
        if (p < end && b[p]! < 0x80) p++;
        else {
          varintAt(b, p, end);
          p = after;
        }
        break;
      case 4 satisfies typeof CHECK_I32:
        if (wt !== WIRE_I32) fail();
        p += 4;
        if (p > end) fail();
        break;
      case 3 satisfies typeof CHECK_LEN:
        if (wt !== WIRE_LEN) fail();
        p = lengthStop(b, p, end);
        break;
      case 2 satisfies typeof CHECK_I64:
        if (wt !== WIRE_I64) fail();
        p += 8;
        if (p > end) fail();
        break;
      default:
        p = skipField(b, p, end, tag);
    }
  }
  if (!idIsValid(b, traceStart, traceLen, 16) || !idIsValid(b, spanStart, spanLen, 8)) return false;

  const ids = sIds;
  const o = n * ID_WORDS;
  // Big-endian words, read inline as above.
  for (let w = 0, q = traceStart; w < 4; w++, q += 4) {
    ids[o + w] = ((b[q]! << 24) | (b[q + 1]! << 16) | (b[q + 2]! << 8) | b[q + 3]!) >>> 0;
  }
  for (let w = 0, q = spanStart; w < 2; w++, q += 4) {
    ids[o + ID_SPAN + w] = ((b[q]! << 24) | (b[q + 1]! << 16) | (b[q + 2]! << 8) | b[q + 3]!) >>> 0;
  }
  let flags = 0;
  if (idIsValid(b, parentStart, parentLen, 8)) {
    for (let w = 0, q = parentStart; w < 2; w++, q += 4) {
      ids[o + ID_PARENT + w] = ((b[q]! << 24) | (b[q + 1]! << 16) | (b[q + 2]! << 8) | b[q + 3]!) >>> 0;
    }
    flags |= FLAG_PARENT;
  } else {
    ids[o + ID_PARENT] = 0;
    ids[o + ID_PARENT + 1] = 0;
  }
  ids[o + ID_START] = startHi;
  ids[o + ID_START + 1] = startLo;
  const startMs = msFromNanoBits(startHi, startLo);
  let endMs = msFromNanoBits(endHi, endLo);
  if (endMs < startMs) endMs = startMs;
  const times = sTimes;
  times[n * 2] = startMs;
  times[n * 2 + 1] = endMs - startMs;
  const kindCode = kind >= 0 && kind <= 5 ? kind : 0;
  const statusName = statusCode === 1 ? 'ok' : statusCode === STATUS_ERROR ? 'error' : 'unset';
  const codes = sCodes;
  codes[n * 3] = kindCode;
  codes[n * 3 + 1] = statusName === 'ok' ? 1 : statusName === 'error' ? STATUS_ERROR : 0;
  if (exception) flags |= FLAG_EXCEPTION;
  const name = sharedString(b, nameStart, nameEnd);
  const text = sText;
  text[n * 3] = table.id(name);
  if (kindCode === KIND_SERVER) {
    // One reused span object for the rules; an absent attribute reads as undefined, which the rules treat as absent.
    const attributes = serverSpan.attributes as Record<string, AttributeValue | undefined>;
    const routeValue = route === -2 ? undefined : route < 0 ? null : scalarValue(b, route, routeEnd);
    const methodValue = method === -2 ? undefined : method < 0 ? null : scalarValue(b, method, methodEnd);
    attributes[ROUTE_KEY] = routeValue;
    attributes[METHOD_KEY] = methodValue;
    attributes[STATUS_CODE_KEY] = status === -2 ? undefined : status < 0 ? null : scalarValue(b, status, statusEnd);
    serverSpan.name = name;
    serverSpan.status = statusName;
    // Server spans of one service mostly share name, route and method: the route string is made once for them.
    if (routeValue !== lastRouteValue || methodValue !== lastMethodValue || name !== lastRouteName) {
      lastRouteValue = routeValue;
      lastMethodValue = methodValue;
      lastRouteName = name;
      lastRoute = intern(rules.routeOf(serverSpan));
    }
    text[n * 3 + 2] = table.id(lastRoute);
    if (rules.isFailed(serverSpan)) flags |= FLAG_FAILED;
  } else text[n * 3 + 2] = table.id('');
  codes[n * 3 + 2] = flags;
  const spans = sSpans;
  const q = n * 3;
  spans[q] = start;
  spans[q + 1] = end;
  spans[q + 2] = scopeIndex;
  return true;
}

/** Validates a Span.Event; true when it is named `exception`. */
function scanEvent(b: Buffer, p: number, end: number): boolean {
  let nameStart = -1;
  let nameEnd = -1;
  const roles = eventRoles;
  while (p < end) {
    const tag = varintAt(b, p, end);
    p = after;
    const role = roleOf(roles, tag >>> 3);
    if (role === NAME || role === ATTRIBUTE) {
      if ((tag & 7) !== WIRE_LEN) fail();
      const stop = lengthStop(b, p, end);
      if (role === NAME) {
        nameStart = after;
        nameEnd = stop;
      } else validKeyValue(b, after, stop, 0);
      p = stop;
    } else p = otherField(b, p, end, tag, role);
  }
  return nameStart >= 0 && sameBytes(b, nameStart, nameEnd, EXCEPTION);
}

/** Validates a Span.Link. */
function scanLink(b: Buffer, p: number, end: number): void {
  const roles = linkRoles;
  while (p < end) {
    const tag = varintAt(b, p, end);
    p = after;
    const role = roleOf(roles, tag >>> 3);
    if (role === ATTRIBUTE) {
      if ((tag & 7) !== WIRE_LEN) fail();
      const stop = lengthStop(b, p, end);
      validKeyValue(b, after, stop, 0);
      p = stop;
    } else p = otherField(b, p, end, tag, role);
  }
}

/** Validates a Status; returns its code as the decoder's int32. */
function scanStatus(b: Buffer, p: number, end: number): number {
  let code = 0;
  const roles = statusRoles;
  while (p < end) {
    const tag = varintAt(b, p, end);
    p = after;
    const role = roleOf(roles, tag >>> 3);
    if (role === CODE) {
      if ((tag & 7) !== WIRE_VARINT) fail();
      code = varintAt(b, p, end) | 0;
      p = after;
    } else p = otherField(b, p, end, tag, role);
  }
  return code;
}
