import { normalizeTraces } from '../otlp/normalize.js';
import { traceMessageDecoders } from '../otlp/proto.js';
import { nanosFromBits, nanosToMs } from '../otlp/values.js';
import type { Slab } from './slab-arena.js';
import type { Attributes, SpanKindName, StatusName, StoredSpan } from './types.js';

/**
 * The spans of one export as the store keeps them: a compact index of what queries read without decoding (ids,
 * times, kind, status, name, service, and for SERVER spans their route and whether they failed), in a few typed
 * arrays per batch rather than objects per span, plus the way to the whole span when a query needs it — the raw
 * protobuf bytes of the export (decoded one span at a time, on demand) or the spans already normalized (OTLP/JSON,
 * Sentry, a data directory written before raw batches).
 */
export interface SpanBatch {
  /** Set by the trace store when it keeps the batch. */
  seq: number;
  /** Spans of the batch still stored; the batch is dropped at 0. */
  live: number;
  readonly size: number;
  /**
   * Per span, {@link ID_WORDS} × uint32 (each id big-endian, as its hex reads): trace id (4 words), span id (2),
   * parent span id (2), start time in ns (high, low).
   */
  readonly ids: Uint32Array;
  /** Per span, the reference of the next span of its trace (-1: none); kept by the trace store. */
  readonly next: Float64Array;
  /** Per span, 2 × float64: start (epoch ms, with fraction) and duration (ms). */
  readonly times: Float64Array;
  /** Per span, 3 × uint8: kind code, status code, {@link FLAG_PARENT} | {@link FLAG_EXCEPTION} | {@link FLAG_FAILED}. */
  readonly codes: Uint8Array;
  /**
   * Per span, 3 × index into {@link strings}: name, service, and the `routeOf` of a SERVER span ('' for the others).
   * Indexes rather than string references, so that the GC has no per-span slot to visit.
   */
  readonly text: Uint32Array;
  /** The distinct strings of the batch. */
  readonly strings: string[];
  readonly raw: RawSpans | undefined;
  readonly full: StoredSpan[] | undefined;
  /** The arena slab holding the columns and raw bytes, given back when the trace store lets the batch go. */
  readonly slab: Slab | undefined;
}

/** Where the spans of a raw batch are in its ExportTraceServiceRequest bytes. */
export interface RawSpans {
  readonly bytes: Buffer;
  /** Per span, 3 × int32: start and end offset of its Span message, index of its scope in `scopes`. */
  readonly spans: Int32Array;
  /** Per ScopeSpans: the decoded InstrumentationScope (or null) and the index of its resource. */
  readonly scopes: { message: unknown; resource: number }[];
  /** Per ResourceSpans: the decoded Resource (or null) and its attributes. */
  readonly resources: { message: unknown; attributes: Attributes }[];
}

export const ID_WORDS = 10;
export const ID_TRACE = 0;
export const ID_SPAN = 4;
export const ID_PARENT = 6;
export const ID_START = 8;

export const FLAG_PARENT = 1;
/** The span has an event named `exception` (an error occurrence is derived from it at ingest). */
export const FLAG_EXCEPTION = 2;
/** A SERVER span that counts as a failed request (`isFailedRequest`). */
export const FLAG_FAILED = 4;

export const KINDS: readonly SpanKindName[] = ['unspecified', 'internal', 'server', 'client', 'producer', 'consumer'];
export const STATUSES: readonly StatusName[] = ['unset', 'ok', 'error'];
export const KIND_SERVER = 2;
export const STATUS_ERROR = 2;

const hex8 = (n: number) => n.toString(16).padStart(8, '0');

/** Collects the distinct strings of a batch. */
export class BatchStrings {
  readonly strings: string[] = [];
  readonly #index = new Map<string, number>();

  id(text: string): number {
    let id = this.#index.get(text);
    if (id === undefined) {
      id = this.strings.length;
      this.strings.push(text);
      this.#index.set(text, id);
    }
    return id;
  }
}

export function nameOf(batch: SpanBatch, i: number): string {
  return batch.strings[batch.text[i * 3]!]!;
}

export function serviceOf(batch: SpanBatch, i: number): string {
  return batch.strings[batch.text[i * 3 + 1]!]!;
}

/** The RED route of span `i` when it is a SERVER span. */
export function routeAt(batch: SpanBatch, i: number): string {
  return batch.strings[batch.text[i * 3 + 2]!]!;
}

/** The span id of span `i` as 16 lower-case hex digits. */
export function spanIdOf(batch: SpanBatch, i: number): string {
  const o = i * ID_WORDS + ID_SPAN;
  return hex8(batch.ids[o]!) + hex8(batch.ids[o + 1]!);
}

/** 32 lower-case hex digits from four big-endian words. */
export function hexOfWords(words: Uint32Array, o: number): string {
  return hex8(words[o]!) + hex8(words[o + 1]!) + hex8(words[o + 2]!) + hex8(words[o + 3]!);
}

/** Writes the `words` words of a lower-case hex id (8 digits each) at `o`. */
export function wordsOfHex(hex: string, words: Uint32Array, o: number, count: number): void {
  for (let w = 0; w < count; w++) words[o + w] = Number.parseInt(hex.slice(w * 8, w * 8 + 8), 16);
}

/** The parent span id of span `i`, or null. */
export function parentIdOf(batch: SpanBatch, i: number): string | null {
  if ((batch.codes[i * 3 + 2]! & FLAG_PARENT) === 0) return null;
  const o = i * ID_WORDS + ID_PARENT;
  return hex8(batch.ids[o]!) + hex8(batch.ids[o + 1]!);
}

/** The exact start time of span `i` in ns, as a decimal string. */
export function startNanosOf(batch: SpanBatch, i: number): string {
  const full = batch.full?.[i];
  const o = i * ID_WORDS + ID_START;
  return full ? full.startTimeUnixNano : nanosFromBits(batch.ids[o]!, batch.ids[o + 1]!);
}

/** The resource attributes of span `i`. */
export function resourceOf(batch: SpanBatch, i: number): Attributes {
  const raw = batch.raw;
  if (!raw) return (batch.full as StoredSpan[])[i]!.resource;
  return raw.resources[raw.scopes[raw.spans[i * 3 + 2]!]!.resource]!.attributes;
}

/**
 * Span `i` in full. A raw span is decoded alone (its Span message with its batch's resource and scope) by the same
 * generated decoder and `normalizeTraces` that the eager path uses, so it comes out exactly as that path stores it.
 */
export function spanAt(batch: SpanBatch, i: number): StoredSpan {
  const raw = batch.raw;
  if (!raw) return (batch.full as StoredSpan[])[i]!;
  const decoders = traceMessageDecoders();
  const scope = raw.scopes[raw.spans[i * 3 + 2]!]!;
  const span = decoders.span(raw.bytes.subarray(raw.spans[i * 3]!, raw.spans[i * 3 + 1]!));
  const request = {
    resourceSpans: [
      { resource: raw.resources[scope.resource]!.message, scopeSpans: [{ scope: scope.message, spans: [span] }] },
    ],
  };
  return normalizeTraces(request).items[0]!;
}

const HEX16 = /^[0-9a-f]{16}$/;
const HEX32 = /^[0-9a-f]{32}$/;

/** Whether a normalized span's ids fit the index (lower-case hex of the right length; every receiver makes them so). */
export function indexableIds(span: { traceId: unknown; spanId: unknown; parentSpanId: unknown }): boolean {
  return (
    typeof span.traceId === 'string' &&
    HEX32.test(span.traceId) &&
    typeof span.spanId === 'string' &&
    HEX16.test(span.spanId) &&
    (span.parentSpanId === null || (typeof span.parentSpanId === 'string' && HEX16.test(span.parentSpanId)))
  );
}

/**
 * A batch over spans already normalized (OTLP/JSON, Sentry, a replayed data directory). `route` and `failed` are
 * given by the caller (the RED rules live in the query layer). Spans whose ids do not fit the index are left out.
 */
export function batchFromSpans(
  spans: StoredSpan[],
  routeOf: (span: StoredSpan) => string,
  isFailed: (span: StoredSpan) => boolean,
): SpanBatch {
  const kept = spans.every(indexableIds) ? spans : spans.filter(indexableIds);
  const n = kept.length;
  const ids = new Uint32Array(n * ID_WORDS);
  const times = new Float64Array(n * 2);
  const codes = new Uint8Array(n * 3);
  const table = new BatchStrings();
  const text = new Uint32Array(n * 3);
  for (let i = 0; i < n; i++) {
    const s = kept[i]!;
    const o = i * ID_WORDS;
    wordsOfHex(s.traceId, ids, o + ID_TRACE, 4);
    wordsOfHex(s.spanId, ids, o + ID_SPAN, 2);
    let flags = 0;
    if (s.parentSpanId !== null) {
      wordsOfHex(s.parentSpanId, ids, o + ID_PARENT, 2);
      flags |= FLAG_PARENT;
    }
    times[i * 2] = nanosToMs(s.startTimeUnixNano);
    times[i * 2 + 1] = s.durationMs;
    const kind = Math.max(0, KINDS.indexOf(s.kind));
    codes[i * 3] = kind;
    codes[i * 3 + 1] = Math.max(0, STATUSES.indexOf(s.status));
    if (s.events.some((e) => e.name === 'exception')) flags |= FLAG_EXCEPTION;
    if (kind === KIND_SERVER) {
      text[i * 3 + 2] = table.id(routeOf(s));
      if (isFailed(s)) flags |= FLAG_FAILED;
    } else text[i * 3 + 2] = table.id('');
    codes[i * 3 + 2] = flags;
    text[i * 3] = table.id(s.name);
    text[i * 3 + 1] = table.id(s.service);
  }
  return {
    seq: 0,
    live: 0,
    size: n,
    ids,
    next: new Float64Array(n),
    times,
    codes,
    text,
    strings: table.strings,
    raw: undefined,
    full: kept,
    slab: undefined,
  };
}
