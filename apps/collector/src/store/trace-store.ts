import { nanosToMs } from '../otlp/values.js';
import { KeyQueue } from './key-queue.js';
import type { StatusName, StoredSpan } from './types.js';

/** One row of `GET /api/traces`. */
export interface TraceSummary {
  traceId: string;
  rootName: string;
  /** Service of the root span (or of the earliest span when the root has not arrived). */
  rootService: string;
  services: string[];
  startTime: string;
  durationMs: number;
  spanCount: number;
  errorCount: number;
  status: StatusName;
}

interface TraceEntry {
  traceId: string;
  /** In arrival order. Most traces hold a few spans: an array is far lighter than a Map for them. */
  spans: StoredSpan[];
  /** StoredSpan ids, built once a trace grows past `INDEX_FROM` spans. */
  index: Set<string> | undefined;
  summary: TraceSummary | undefined;
}

const INDEX_FROM = 16;

/**
 * For a trace still small enough to scan: false when `span` is already stored. Otherwise lets `span` share the id
 * strings its parent or children already hold, so that a stored span keeps no copy of an id another one holds.
 */
function shareIds(spans: StoredSpan[], span: StoredSpan): boolean {
  for (const s of spans) {
    if (s.spanId === span.spanId) return false;
    if (s.parentSpanId === span.spanId) span.spanId = s.parentSpanId;
    else if (span.parentSpanId === s.spanId) span.parentSpanId = s.spanId;
  }
  return true;
}

/** What happened to a batch of spans offered to the store. */
export interface SpanAddResult {
  added: StoredSpan[];
  duplicates: number;
  /** Spans refused because their trace already holds `maxSpansPerTrace`. */
  overflow: number;
  evictedSpans: number;
  evictedTraces: number;
}

/**
 * Spans grouped by trace. Bounded by a total span count: when full, whole traces are evicted oldest first (by first
 * arrival), so a trace is never half-evicted. A span id seen twice in one trace (OTLP and Sentry both sending the
 * same span) is kept once.
 */
export class TraceStore {
  readonly #traces = new Map<string, TraceEntry>();
  /** Trace ids in arrival order, for eviction. */
  readonly #order = new KeyQueue<string>();
  #spanCount = 0;

  constructor(
    readonly maxSpans: number,
    readonly maxSpansPerTrace: number,
  ) {}

  get spanCount(): number {
    return this.#spanCount;
  }

  get traceCount(): number {
    return this.#traces.size;
  }

  add(spans: StoredSpan[]): SpanAddResult {
    const result: SpanAddResult = { added: [], duplicates: 0, overflow: 0, evictedSpans: 0, evictedTraces: 0 };
    const perTrace = Math.min(this.maxSpansPerTrace, this.maxSpans);
    for (const span of spans) {
      let entry = this.#traces.get(span.traceId);
      if (!entry) {
        // A new trace: nothing to check. Its array starts at exactly one slot (`[]` + push would reserve 17).
        entry = { traceId: span.traceId, spans: [span], index: undefined, summary: undefined };
        this.#traces.set(span.traceId, entry);
        this.#order.push(span.traceId);
        this.#spanCount++;
        result.added.push(span);
        continue;
      }
      if (entry.index ? entry.index.has(span.spanId) : !shareIds(entry.spans, span)) {
        result.duplicates++;
        continue;
      }
      if (entry.spans.length >= perTrace) {
        result.overflow++;
        continue;
      }
      // Keep one copy of the trace id: the span's own dies young instead of being retained.
      span.traceId = entry.traceId;
      const n = entry.spans.length;
      // Most traces hold a few spans: exact-size arrays for them (a push would reserve 17 slots).
      if (n === 1) entry.spans = [entry.spans[0] as StoredSpan, span];
      else if (n === 2) entry.spans = [entry.spans[0] as StoredSpan, entry.spans[1] as StoredSpan, span];
      else entry.spans.push(span);
      if (entry.index) entry.index.add(span.spanId);
      else if (entry.spans.length > INDEX_FROM) entry.index = new Set(entry.spans.map((x) => x.spanId));
      entry.summary = undefined;
      this.#spanCount++;
      result.added.push(span);
    }
    while (this.#spanCount > this.maxSpans) {
      const oldest = this.#traces.get(this.#order.shift() as string);
      if (!oldest) continue;
      this.#traces.delete(oldest.traceId);
      this.#spanCount -= oldest.spans.length;
      result.evictedSpans += oldest.spans.length;
      result.evictedTraces++;
    }
    return result;
  }

  spans(traceId: string): StoredSpan[] | undefined {
    const entry = this.#traces.get(traceId);
    if (!entry || entry.spans.length === 0) return undefined;
    return [...entry.spans].sort((a, b) => compareNanos(a.startTimeUnixNano, b.startTimeUnixNano));
  }

  summary(traceId: string): TraceSummary | undefined {
    const entry = this.#traces.get(traceId);
    return entry && entry.spans.length > 0 ? summarize(entry) : undefined;
  }

  /** Every trace summary (unordered). */
  summaries(): TraceSummary[] {
    const out: TraceSummary[] = [];
    for (const entry of this.#traces.values()) if (entry.spans.length > 0) out.push(summarize(entry));
    return out;
  }

  /** Every stored span, trace by trace. */
  *allSpans(): IterableIterator<StoredSpan> {
    for (const entry of this.#traces.values()) yield* entry.spans;
  }
}

/** Compares two decimal nanosecond strings numerically without BigInt. */
export function compareNanos(a: string, b: string): number {
  if (a.length !== b.length) return a.length - b.length;
  return a < b ? -1 : a > b ? 1 : 0;
}

function summarize(entry: TraceEntry): TraceSummary {
  if (entry.summary) return entry.summary;
  let root: StoredSpan | undefined;
  let earliest: StoredSpan | undefined;
  let startMs = Number.POSITIVE_INFINITY;
  let endMs = Number.NEGATIVE_INFINITY;
  let errorCount = 0;
  let anyOk = false;
  const services = new Set<string>();
  const ids = entry.index ?? new Set(entry.spans.map((x) => x.spanId));
  for (const span of entry.spans) {
    const s = nanosToMs(span.startTimeUnixNano);
    const e = s + span.durationMs;
    if (s < startMs) {
      startMs = s;
      earliest = span;
    }
    if (e > endMs) endMs = e;
    services.add(span.service);
    if (span.status === 'error') errorCount++;
    if (span.status === 'ok') anyOk = true;
    const isRoot = span.parentSpanId === null || !ids.has(span.parentSpanId);
    if (isRoot && (!root || compareNanos(span.startTimeUnixNano, root.startTimeUnixNano) < 0)) root = span;
  }
  const head = root ?? (earliest as StoredSpan);
  entry.summary = {
    traceId: entry.traceId,
    rootName: head.name,
    rootService: head.service,
    services: [...services],
    startTime: new Date(Math.floor(startMs)).toISOString(),
    durationMs: Math.max(0, endMs - startMs),
    spanCount: entry.spans.length,
    errorCount,
    status: errorCount > 0 ? 'error' : anyOk ? 'ok' : 'unset',
  };
  return entry.summary;
}
