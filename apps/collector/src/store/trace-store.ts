import { nanosToMs } from '../otlp/values.js';
import type { Span, StatusName } from './types.js';

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
  spans: Map<string, Span>;
  summary: TraceSummary | undefined;
}

/** What happened to a batch of spans offered to the store. */
export interface SpanAddResult {
  added: Span[];
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

  add(spans: Span[]): SpanAddResult {
    const result: SpanAddResult = { added: [], duplicates: 0, overflow: 0, evictedSpans: 0, evictedTraces: 0 };
    const perTrace = Math.min(this.maxSpansPerTrace, this.maxSpans);
    for (const span of spans) {
      let entry = this.#traces.get(span.traceId);
      if (!entry) {
        entry = { traceId: span.traceId, spans: new Map(), summary: undefined };
        this.#traces.set(span.traceId, entry);
      }
      if (entry.spans.has(span.spanId)) {
        result.duplicates++;
        continue;
      }
      if (entry.spans.size >= perTrace) {
        result.overflow++;
        continue;
      }
      entry.spans.set(span.spanId, span);
      entry.summary = undefined;
      this.#spanCount++;
      result.added.push(span);
    }
    while (this.#spanCount > this.maxSpans) {
      const oldest = this.#traces.values().next().value as TraceEntry;
      this.#traces.delete(oldest.traceId);
      this.#spanCount -= oldest.spans.size;
      result.evictedSpans += oldest.spans.size;
      result.evictedTraces++;
    }
    return result;
  }

  spans(traceId: string): Span[] | undefined {
    const entry = this.#traces.get(traceId);
    if (!entry || entry.spans.size === 0) return undefined;
    return [...entry.spans.values()].sort((a, b) => compareNanos(a.startTimeUnixNano, b.startTimeUnixNano));
  }

  summary(traceId: string): TraceSummary | undefined {
    const entry = this.#traces.get(traceId);
    return entry && entry.spans.size > 0 ? summarize(entry) : undefined;
  }

  /** Every trace summary (unordered). */
  summaries(): TraceSummary[] {
    const out: TraceSummary[] = [];
    for (const entry of this.#traces.values()) if (entry.spans.size > 0) out.push(summarize(entry));
    return out;
  }

  /** Every stored span, trace by trace. */
  *allSpans(): IterableIterator<Span> {
    for (const entry of this.#traces.values()) yield* entry.spans.values();
  }
}

/** Compares two decimal nanosecond strings numerically without BigInt. */
export function compareNanos(a: string, b: string): number {
  if (a.length !== b.length) return a.length - b.length;
  return a < b ? -1 : a > b ? 1 : 0;
}

function summarize(entry: TraceEntry): TraceSummary {
  if (entry.summary) return entry.summary;
  let root: Span | undefined;
  let earliest: Span | undefined;
  let startMs = Number.POSITIVE_INFINITY;
  let endMs = Number.NEGATIVE_INFINITY;
  let errorCount = 0;
  let anyOk = false;
  const services = new Set<string>();
  for (const span of entry.spans.values()) {
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
    const isRoot = span.parentSpanId === null || !entry.spans.has(span.parentSpanId);
    if (isRoot && (!root || compareNanos(span.startTimeUnixNano, root.startTimeUnixNano) < 0)) root = span;
  }
  const head = root ?? (earliest as Span);
  entry.summary = {
    traceId: entry.traceId,
    rootName: head.name,
    rootService: head.service,
    services: [...services],
    startTime: new Date(Math.floor(startMs)).toISOString(),
    durationMs: Math.max(0, endMs - startMs),
    spanCount: entry.spans.size,
    errorCount,
    status: errorCount > 0 ? 'error' : anyOk ? 'ok' : 'unset',
  };
  return entry.summary;
}
