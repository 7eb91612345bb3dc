import { normalizeTraces } from '../otlp/normalize.js';
import { traceMessageDecoders } from '../otlp/proto.js';
import { nanosFromBits, nanosToMs } from '../otlp/values.js';
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
  /** Per span, 6 × uint32: span id (high, low), parent span id (high, low), start time in ns (high, low). */
  readonly ids: Uint32Array;
  /** Per span, 2 × float64: start (epoch ms, with fraction) and duration (ms). */
  readonly times: Float64Array;
  /** Per span, 3 × uint8: kind code, status code, {@link FLAG_PARENT} | {@link FLAG_EXCEPTION} | {@link FLAG_FAILED}. */
  readonly codes: Uint8Array;
  readonly names: string[];
  readonly services: string[];
  /** `routeOf` of SERVER spans ('' for the others). */
  readonly routes: string[];
  readonly raw: RawSpans | undefined;
  readonly full: StoredSpan[] | undefined;
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

/** The span id of span `i` as 16 lower-case hex digits. */
export function spanIdOf(batch: SpanBatch, i: number): string {
  return hex8(batch.ids[i * 6]!) + hex8(batch.ids[i * 6 + 1]!);
}

/** The parent span id of span `i`, or null. */
export function parentIdOf(batch: SpanBatch, i: number): string | null {
  if ((batch.codes[i * 3 + 2]! & FLAG_PARENT) === 0) return null;
  return hex8(batch.ids[i * 6 + 2]!) + hex8(batch.ids[i * 6 + 3]!);
}

/** The exact start time of span `i` in ns, as a decimal string. */
export function startNanosOf(batch: SpanBatch, i: number): string {
  const full = batch.full?.[i];
  return full ? full.startTimeUnixNano : nanosFromBits(batch.ids[i * 6 + 4]!, batch.ids[i * 6 + 5]!);
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

/** Whether a normalized span's ids fit the index (16 lower-case hex digits; every receiver produces them so). */
export function indexableIds(span: { spanId: unknown; parentSpanId: unknown }): boolean {
  return (
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
  const ids = new Uint32Array(n * 6);
  const times = new Float64Array(n * 2);
  const codes = new Uint8Array(n * 3);
  const names: string[] = new Array(n);
  const services: string[] = new Array(n);
  const routes: string[] = new Array(n);
  for (let i = 0; i < n; i++) {
    const s = kept[i]!;
    ids[i * 6] = Number.parseInt(s.spanId.slice(0, 8), 16);
    ids[i * 6 + 1] = Number.parseInt(s.spanId.slice(8), 16);
    let flags = 0;
    if (s.parentSpanId !== null) {
      ids[i * 6 + 2] = Number.parseInt(s.parentSpanId.slice(0, 8), 16);
      ids[i * 6 + 3] = Number.parseInt(s.parentSpanId.slice(8), 16);
      flags |= FLAG_PARENT;
    }
    times[i * 2] = nanosToMs(s.startTimeUnixNano);
    times[i * 2 + 1] = s.durationMs;
    const kind = Math.max(0, KINDS.indexOf(s.kind));
    codes[i * 3] = kind;
    codes[i * 3 + 1] = Math.max(0, STATUSES.indexOf(s.status));
    if (s.events.some((e) => e.name === 'exception')) flags |= FLAG_EXCEPTION;
    if (kind === KIND_SERVER) {
      routes[i] = routeOf(s);
      if (isFailed(s)) flags |= FLAG_FAILED;
    } else routes[i] = '';
    codes[i * 3 + 2] = flags;
    names[i] = s.name;
    services[i] = s.service;
  }
  return {
    seq: 0,
    live: 0,
    size: n,
    ids,
    times,
    codes,
    names,
    services,
    routes,
    raw: undefined,
    full: kept,
  };
}
