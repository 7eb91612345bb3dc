import type { HrTime, Link, SpanStatus } from '@opentelemetry/api';
import type { InstrumentationScope } from '@opentelemetry/core';
import type { Resource } from '@opentelemetry/resources';
import type { ReadableSpan, TimedEvent } from '@opentelemetry/sdk-trace-base';

// An ExportTraceServiceRequest encoder that writes the same bytes as `ProtobufTraceSerializer` of
// @opentelemetry/otlp-transformer 0.223 (a test compares them span by span), with less work per span on the event loop:
// - one pass instead of a size-estimating pass and a writing pass: each length-delimited message reserves the bytes
//   its length is expected to take and moves its body only when the guess was wrong;
// - a KeyValue whose key and value repeat from span to span (`http.request.method: GET`, `url.scheme: http`) is encoded
//   once and copied afterwards, the value a key carried in the previous span is checked first, and a key with too
//   many distinct values (an id) still has its encoded key copied; the resource and the instrumentation scope are
//   encoded once per object;
// - trace and span ids are written from their hex form straight into the buffer.
// Field numbers and wire types follow opentelemetry/proto/trace/v1/trace.proto and common/v1/common.proto, as the
// upstream serializer documents them.

/** Attribute values as the SDK stores them (and what OTLP's AnyValue can carry). */
type Value = unknown;
type Attributes = Record<string, Value>;

const WIRE_VARINT = 0;
const WIRE_FIXED64 = 1;
const WIRE_LEN = 2;
const WIRE_FIXED32 = 5;

const SPAN_FLAGS_CONTEXT_HAS_IS_REMOTE_MASK = 0x100;
const SPAN_FLAGS_CONTEXT_IS_REMOTE_MASK = 0x200;
const MIN_64_BIT_INT = -(2 ** 63);
const MAX_64_BIT_INT = 2 ** 63;

/** Cached KeyValue encodings: at most this many distinct values per key, keys this many, strings this long. */
const MAX_VALUES_PER_KEY = 64;
const MAX_CACHED_KEYS = 512;
const MAX_CACHED_STRING = 128;

function varintSize(v: number): number {
  if (v < 0x80) return 1;
  if (v < 0x4000) return 2;
  if (v < 0x200000) return 3;
  if (v < 0x10000000) return 4;
  return 5;
}

function hexValue(code: number): number {
  if (code >= 48 && code <= 57) return code - 48;
  if (code >= 97 && code <= 102) return code - 87;
  return code - 55;
}

/** The byte of every pair of ASCII hex digits, indexed by `(first << 7) | second` (upstream's rule for any input). */
const HEX_PAIRS = (() => {
  const table = new Uint8Array(1 << 14);
  for (let hi = 0; hi < 128; hi++) {
    for (let lo = 0; lo < 128; lo++) table[(hi << 7) | lo] = ((hexValue(hi) << 4) | hexValue(lo)) & 0xff;
  }
  return table;
})();

function spanFlags(traceFlags: number, isRemote: boolean | undefined): number {
  let flags = (traceFlags & 0xff) | SPAN_FLAGS_CONTEXT_HAS_IS_REMOTE_MASK;
  if (isRemote) flags |= SPAN_FLAGS_CONTEXT_IS_REMOTE_MASK;
  return flags;
}

/** A growable byte buffer with the protobuf primitives. */
class Writer {
  buf: Uint8Array;
  pos = 0;
  readonly #encoder = new TextEncoder();

  constructor(size: number) {
    this.buf = new Uint8Array(size);
  }

  ensure(extra: number): void {
    const needed = this.pos + extra;
    if (needed <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < needed) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.pos));
    this.buf = next;
  }

  tag(field: number, wire: number): void {
    this.varint((field << 3) | wire);
  }

  varint(value: number): void {
    this.ensure(10);
    const b = this.buf;
    if (value >= 0 && value <= 0xffffffff) {
      let v = value >>> 0;
      while (v > 0x7f) {
        b[this.pos++] = (v & 0x7f) | 0x80;
        v >>>= 7;
      }
      b[this.pos++] = v;
      return;
    }
    let low: number;
    let high: number;
    if (value >= 0) {
      low = value >>> 0;
      high = (value / 0x100000000) >>> 0;
    } else {
      const abs = Math.abs(value);
      low = ~(abs >>> 0) >>> 0;
      high = ~((abs / 0x100000000) >>> 0) >>> 0;
      low = (low + 1) >>> 0;
      if (low === 0) high = (high + 1) >>> 0;
    }
    while (high > 0 || low > 0x7f) {
      b[this.pos++] = (low & 0x7f) | 0x80;
      low = ((low >>> 7) | (high << 25)) >>> 0;
      high >>>= 7;
    }
    b[this.pos++] = low & 0x7f;
  }

  fixed32(value: number): void {
    this.ensure(4);
    const b = this.buf;
    const v = value >>> 0;
    b[this.pos++] = v & 0xff;
    b[this.pos++] = (v >>> 8) & 0xff;
    b[this.pos++] = (v >>> 16) & 0xff;
    b[this.pos++] = (v >>> 24) & 0xff;
  }

  fixed64(low: number, high: number): void {
    this.fixed32(low);
    this.fixed32(high);
  }

  double(value: number): void {
    this.ensure(8);
    new DataView(this.buf.buffer, this.buf.byteOffset + this.pos, 8).setFloat64(0, value, true);
    this.pos += 8;
  }

  /** Nanoseconds since the epoch of an `[seconds, nanos]` time, as fixed64 (exact beyond 2^53, like upstream). */
  hrTime(time: HrTime): void {
    const seconds = time[0];
    const nanos = time[1];
    const fromLow = (seconds & 0xffff) * 1e9;
    const fromHigh = ((seconds / 0x10000) >>> 0) * 1e9;
    const lowSum = (fromLow >>> 0) + (((fromHigh & 0xffff) * 0x10000) >>> 0) + nanos;
    const high =
      (Math.floor(fromLow / 0x100000000) + ((fromHigh / 0x10000) >>> 0) + Math.floor(lowSum / 0x100000000)) >>> 0;
    this.fixed64(lowSum >>> 0, high);
  }

  string(s: string): void {
    // One pass for the common ASCII string; the first character above 127 rewinds and encodes it as UTF-8.
    const len = s.length;
    const start = this.pos;
    this.varint(len);
    this.ensure(len);
    const b = this.buf;
    let p = this.pos;
    for (let i = 0; i < len; i++) {
      const c = s.charCodeAt(i);
      if (c > 127) {
        this.pos = start;
        this.bytes(this.#encoder.encode(s));
        return;
      }
      b[p++] = c;
    }
    this.pos = p;
  }

  bytes(bytes: Uint8Array): void {
    this.varint(bytes.length);
    this.raw(bytes);
  }

  raw(bytes: Uint8Array): void {
    const n = bytes.length;
    this.ensure(n);
    // TypedArray#set beats a byte loop even for the ~20-byte cached KeyValues (measured).
    this.buf.set(bytes, this.pos);
    this.pos += n;
  }

  /** Hex id as bytes (length-prefixed), without an intermediate array. */
  hexBytes(hex: string): void {
    const n = hex.length >>> 1;
    this.varint(n);
    this.ensure(n);
    const b = this.buf;
    let p = this.pos;
    for (let i = 0; i < hex.length; i += 2) {
      const hi = hex.charCodeAt(i);
      const lo = hex.charCodeAt(i + 1);
      b[p++] = hi < 128 && lo < 128 ? (HEX_PAIRS[(hi << 7) | lo] as number) : (hexValue(hi) << 4) | hexValue(lo);
    }
    this.pos = p;
  }

  /** Starts a length-delimited body, reserving `reserve` bytes for its length; returns the mark for {@link end}. */
  begin(reserve: number): number {
    this.ensure(reserve);
    const mark = this.pos;
    this.pos += reserve;
    return mark * 8 + reserve;
  }

  /** Writes the length of the body started at `mark`, moving the body if the length takes more or less room. */
  end(mark: number): void {
    const reserve = mark & 7;
    const at = (mark - reserve) / 8;
    const bodyStart = at + reserve;
    const length = this.pos - bodyStart;
    const size = varintSize(length);
    if (size !== reserve) {
      this.ensure(size - reserve);
      this.buf.copyWithin(at + size, bodyStart, this.pos);
      this.pos += size - reserve;
    }
    const b = this.buf;
    let p = at;
    let v = length;
    while (v > 0x7f) {
      b[p++] = (v & 0x7f) | 0x80;
      v >>>= 7;
    }
    b[p] = v;
  }

  /** A copy of what was written (the buffer is reused for the next message). */
  take(): Uint8Array {
    const out = Buffer.allocUnsafeSlow(this.pos);
    out.set(this.buf.subarray(0, this.pos));
    return out;
  }
}

function writeAnyValue(w: Writer, value: Value): void {
  const t = typeof value;
  if (t === 'string') {
    w.tag(1, WIRE_LEN);
    w.string(value as string);
  } else if (t === 'boolean') {
    w.tag(2, WIRE_VARINT);
    w.varint(value ? 1 : 0);
  } else if (t === 'number') {
    const n = value as number;
    if (Number.isInteger(n) && n >= MIN_64_BIT_INT && n < MAX_64_BIT_INT) {
      w.tag(3, WIRE_VARINT);
      w.varint(n);
    } else {
      w.tag(4, WIRE_FIXED64);
      w.double(n);
    }
  } else if (value instanceof Uint8Array) {
    w.tag(7, WIRE_LEN);
    w.bytes(value);
  } else if (Array.isArray(value)) {
    w.tag(5, WIRE_LEN);
    const array = w.begin(1);
    for (const item of value) {
      w.tag(1, WIRE_LEN);
      const entry = w.begin(1);
      writeAnyValue(w, item);
      w.end(entry);
    }
    w.end(array);
  } else if (t === 'object' && value != null) {
    w.tag(6, WIRE_LEN);
    const list = w.begin(1);
    const object = value as Attributes;
    for (const key in object) {
      if (!Object.hasOwn(object, key)) continue;
      w.tag(1, WIRE_LEN);
      const kv = w.begin(1);
      writeKeyValueBody(w, key, object[key]);
      w.end(kv);
    }
    w.end(list);
  }
}

function writeKeyValueBody(w: Writer, key: string, value: Value): void {
  w.tag(1, WIRE_LEN);
  w.string(key);
  writeKeyValueValue(w, value);
}

/** `KeyValue.value`: the length-delimited AnyValue. */
function writeKeyValueValue(w: Writer, value: Value): void {
  w.tag(2, WIRE_LEN);
  const any = w.begin(1);
  writeAnyValue(w, value);
  w.end(any);
}

/**
 * The encoder's cache for one attribute key: its encoded `KeyValue.key` field, the whole length-prefixed KeyValue for
 * each of up to {@link MAX_VALUES_PER_KEY} scalar values (`null` once the key has had more), and the last of those
 * used, checked first.
 */
interface KeyEntry {
  values: Map<Value, Uint8Array> | null;
  lastValue: Value;
  lastBytes: Uint8Array | undefined;
  keyBytes: Uint8Array;
}

/** Encodes ExportTraceServiceRequest messages; one instance per exporter (it keeps its caches and its buffer). */
export class SpanEncoder {
  readonly #w = new Writer(64 * 1024);
  /** What is cached per attribute key (see {@link KeyEntry}). */
  readonly #kv = new Map<string, KeyEntry>();
  /** Resource and scope encodings (which may fill the KeyValue cache, so each has its own writer). */
  readonly #scratch = new Writer(256);
  readonly #kvScratch = new Writer(256);
  readonly #resources = new WeakMap<Resource, Uint8Array>();
  readonly #scopes = new WeakMap<InstrumentationScope, Uint8Array>();

  /**
   * The ExportTraceServiceRequest for `spans`, byte for byte what `ProtobufTraceSerializer` writes. The result is a
   * view of the encoder's buffer and is valid until the next call: copy it before encoding again.
   */
  encode(spans: readonly ReadableSpan[]): Uint8Array {
    const w = this.#w;
    w.pos = 0;
    const byResource = new Map<Resource, Map<InstrumentationScope, ReadableSpan[]>>();
    for (const span of spans) {
      let scopes = byResource.get(span.resource);
      if (scopes === undefined) {
        scopes = new Map();
        byResource.set(span.resource, scopes);
      }
      let list = scopes.get(span.instrumentationScope);
      if (list === undefined) {
        list = [];
        scopes.set(span.instrumentationScope, list);
      }
      list.push(span);
    }
    for (const [resource, scopes] of byResource) {
      w.tag(1, WIRE_LEN);
      const resourceSpans = w.begin(3);
      w.raw(this.#resource(resource));
      for (const list of scopes.values()) {
        const scope = (list[0] as ReadableSpan).instrumentationScope;
        w.tag(2, WIRE_LEN);
        const scopeSpans = w.begin(3);
        w.raw(this.#scope(scope));
        for (const span of list) {
          w.tag(2, WIRE_LEN);
          const message = w.begin(2);
          this.#span(span);
          w.end(message);
        }
        if (scope.schemaUrl) {
          w.tag(3, WIRE_LEN);
          w.string(scope.schemaUrl);
        }
        w.end(scopeSpans);
      }
      if (resource.schemaUrl) {
        w.tag(3, WIRE_LEN);
        w.string(resource.schemaUrl);
      }
      w.end(resourceSpans);
    }
    // A view of the encoder's own buffer, which the next call writes over: the stock gRPC transport copies the request
    // into a Buffer of its own before `send` returns (and never sends it again), so a fresh buffer per export would
    // be one more ~300 KiB allocation for nothing. Every export's allocations are what drives the mark-compacts under
    // load (see the README). A batch far larger than usual should not pin a buffer that large for the life of the
    // process: that buffer is handed over and the next call starts a small one.
    const out = w.buf.subarray(0, w.pos);
    if (w.buf.length > 4 * 1024 * 1024) w.buf = new Uint8Array(64 * 1024);
    return out;
  }

  /** `ResourceSpans.resource` (field 1), encoded once per resource object. */
  #resource(resource: Resource): Uint8Array {
    let bytes = this.#resources.get(resource);
    if (bytes === undefined) {
      bytes = this.#fieldOne((w) => {
        if (resource.attributes) this.#attributes(w, resource.attributes as Attributes, 1);
        w.tag(2, WIRE_VARINT);
        w.varint(0);
      });
      // Attributes still being detected may change: encode such a resource again next time.
      if (!resource.asyncAttributesPending) this.#resources.set(resource, bytes);
    }
    return bytes;
  }

  /** `ScopeSpans.scope` (field 1), encoded once per scope object. */
  #scope(scope: InstrumentationScope): Uint8Array {
    let bytes = this.#scopes.get(scope);
    if (bytes === undefined) {
      bytes = this.#fieldOne((w) => {
        w.tag(1, WIRE_LEN);
        w.string(scope.name);
        if (scope.version) {
          w.tag(2, WIRE_LEN);
          w.string(scope.version);
        }
        const extra = scope as InstrumentationScope & { attributes?: Attributes; droppedAttributesCount?: number };
        if (extra.attributes) this.#attributes(w, extra.attributes, 3);
        if (extra.droppedAttributesCount) {
          w.tag(4, WIRE_VARINT);
          w.varint(extra.droppedAttributesCount);
        }
      });
      this.#scopes.set(scope, bytes);
    }
    return bytes;
  }

  /** A message written by `body` as field 1 (tag, length, body), on its own. */
  #fieldOne(body: (w: Writer) => void): Uint8Array {
    const w = this.#scratch;
    w.pos = 0;
    w.tag(1, WIRE_LEN);
    const message = w.begin(1);
    body(w);
    w.end(message);
    return w.take();
  }

  #span(span: ReadableSpan): void {
    const w = this.#w;
    const ctx = span.spanContext();
    w.tag(1, WIRE_LEN);
    w.hexBytes(ctx.traceId);
    w.tag(2, WIRE_LEN);
    w.hexBytes(ctx.spanId);
    const traceState = ctx.traceState?.serialize();
    if (traceState) {
      w.tag(3, WIRE_LEN);
      w.string(traceState);
    }
    const parent = span.parentSpanContext;
    if (parent?.spanId) {
      w.tag(4, WIRE_LEN);
      w.hexBytes(parent.spanId);
    }
    w.tag(5, WIRE_LEN);
    w.string(span.name);
    const kind = span.kind == null ? 0 : span.kind + 1;
    if (kind !== 0) {
      w.tag(6, WIRE_VARINT);
      w.varint(kind);
    }
    w.tag(7, WIRE_FIXED64);
    w.hrTime(span.startTime);
    w.tag(8, WIRE_FIXED64);
    w.hrTime(span.endTime);
    if (span.attributes) this.#attributes(w, span.attributes as Attributes, 9);
    w.tag(10, WIRE_VARINT);
    w.varint(span.droppedAttributesCount);
    for (const event of span.events) {
      w.tag(11, WIRE_LEN);
      const message = w.begin(1);
      this.#event(event);
      w.end(message);
    }
    w.tag(12, WIRE_VARINT);
    w.varint(span.droppedEventsCount);
    for (const link of span.links) {
      w.tag(13, WIRE_LEN);
      const message = w.begin(1);
      this.#link(link);
      w.end(message);
    }
    w.tag(14, WIRE_VARINT);
    w.varint(span.droppedLinksCount);
    w.tag(15, WIRE_LEN);
    this.#status(span.status);
    w.tag(16, WIRE_FIXED32);
    w.fixed32(spanFlags(ctx.traceFlags, parent?.isRemote));
  }

  #status(status: SpanStatus): void {
    const w = this.#w;
    const message = w.begin(1);
    if (status.message) {
      w.tag(2, WIRE_LEN);
      w.string(status.message);
    }
    w.tag(3, WIRE_VARINT);
    w.varint(status.code);
    w.end(message);
  }

  #event(event: TimedEvent): void {
    const w = this.#w;
    w.tag(1, WIRE_FIXED64);
    w.hrTime(event.time);
    w.tag(2, WIRE_LEN);
    w.string(event.name);
    if (event.attributes) this.#attributes(w, event.attributes as Attributes, 3);
    w.tag(4, WIRE_VARINT);
    w.varint(event.droppedAttributesCount || 0);
  }

  #link(link: Link & { droppedAttributesCount?: number }): void {
    const w = this.#w;
    const ctx = link.context;
    w.tag(1, WIRE_LEN);
    w.hexBytes(ctx.traceId);
    w.tag(2, WIRE_LEN);
    w.hexBytes(ctx.spanId);
    const traceState = ctx.traceState?.serialize();
    if (traceState) {
      w.tag(3, WIRE_LEN);
      w.string(traceState);
    }
    if (link.attributes) this.#attributes(w, link.attributes as Attributes, 4);
    w.tag(5, WIRE_VARINT);
    w.varint(link.droppedAttributesCount || 0);
    const flags = spanFlags(ctx.traceFlags, ctx.isRemote);
    w.tag(6, WIRE_FIXED32);
    w.fixed32(flags);
  }

  #attributes(w: Writer, attributes: Attributes, field: number): void {
    for (const key in attributes) {
      if (!Object.hasOwn(attributes, key)) continue;
      const value = attributes[key];
      w.tag(field, WIRE_LEN);
      const entry = this.#kv.get(key) ?? this.#newEntry(key);
      if (entry === undefined) {
        const message = w.begin(1);
        writeKeyValueBody(w, key, value);
        w.end(message);
        continue;
      }
      // Most attributes carry the value they carried in the previous span.
      if (value === entry.lastValue && entry.lastBytes !== undefined) {
        w.raw(entry.lastBytes);
        continue;
      }
      const cached = this.#cachedKeyValue(entry, key, value);
      if (cached !== undefined) {
        w.raw(cached);
        continue;
      }
      const message = w.begin(1);
      w.raw(entry.keyBytes);
      writeKeyValueValue(w, value);
      w.end(message);
    }
  }

  /** A new cache entry for a key, or undefined when the key is too long or too many keys are cached already. */
  #newEntry(key: string): KeyEntry | undefined {
    if (this.#kv.size >= MAX_CACHED_KEYS || key.length > MAX_CACHED_STRING) return undefined;
    const w = this.#kvScratch;
    w.pos = 0;
    w.tag(1, WIRE_LEN);
    w.string(key);
    const entry: KeyEntry = { values: new Map(), lastValue: undefined, lastBytes: undefined, keyBytes: w.take() };
    this.#kv.set(key, entry);
    return entry;
  }

  /** The length-prefixed KeyValue for a key and a scalar value, from the cache or newly cached; else undefined. */
  #cachedKeyValue(entry: KeyEntry, key: string, value: Value): Uint8Array | undefined {
    const values = entry.values;
    if (values === null) return undefined;
    const t = typeof value;
    if (!(t === 'number' || t === 'boolean' || (t === 'string' && (value as string).length <= MAX_CACHED_STRING))) {
      return undefined;
    }
    let bytes = values.get(value);
    if (bytes === undefined) {
      if (values.size >= MAX_VALUES_PER_KEY) {
        // A key with many distinct values (an id, a port) gains nothing from the cache: stop growing it.
        entry.values = null;
        entry.lastValue = undefined;
        entry.lastBytes = undefined;
        return undefined;
      }
      const w = this.#kvScratch;
      w.pos = 0;
      const message = w.begin(1);
      writeKeyValueBody(w, key, value);
      w.end(message);
      bytes = w.take();
      values.set(value, bytes);
    }
    entry.lastValue = value;
    entry.lastBytes = bytes;
    return bytes;
  }
}
