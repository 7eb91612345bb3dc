import { KeyQueue } from './key-queue.js';
import {
  FLAG_FAILED,
  FLAG_PARENT,
  KIND_SERVER,
  parentIdOf,
  type SpanBatch,
  STATUS_ERROR,
  spanAt,
  spanIdOf,
  startNanosOf,
} from './span-batch.js';
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

/** A SERVER span as the RED queries and the report read it, from the index (nothing decoded). */
export interface ServerSpanRow {
  traceId: string;
  service: string;
  /** `routeOf` of the span. */
  route: string;
  /** `isFailedRequest` of the span. */
  failed: boolean;
  startMs: number;
  durationMs: number;
  /** True when its parent is not in the trace: the span is where a request entered the system. */
  entry: boolean;
  /** For {@link TraceStore.span}. */
  ref: number;
}

interface TraceEntry {
  traceId: string;
  /** Span references (batch sequence × {@link REF_SPAN} + index in the batch), in arrival order. */
  refs: number[];
  /** Span ids (hex), built once a trace grows past `INDEX_FROM` spans. */
  index: Set<string> | undefined;
  summary: TraceSummary | undefined;
}

const INDEX_FROM = 16;
/** Room for the spans of one batch in a reference (a 64 MiB request holds fewer than 2^22 spans). */
const REF_SPAN = 4_194_304;

/** What happened to a batch of spans offered to the store. */
export interface SpanAddResult {
  /** Indexes (in the batch) of the spans stored. */
  added: number[];
  duplicates: number;
  /** Spans refused because their trace already holds `maxSpansPerTrace`. */
  overflow: number;
  evictedSpans: number;
  evictedTraces: number;
}

/**
 * Spans grouped by trace, over {@link SpanBatch}es. Bounded by a total span count: when full, whole traces are evicted
 * oldest first (by first arrival), so a trace is never half-evicted; a batch is let go once none of its spans is
 * stored. A span id seen twice in one trace (OTLP and Sentry both sending the same span) is kept once.
 */
export class TraceStore {
  readonly #traces = new Map<string, TraceEntry>();
  /** Trace ids in arrival order, for eviction. */
  readonly #order = new KeyQueue<string>();
  readonly #batches = new Map<number, SpanBatch>();
  #nextSeq = 1;
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

  /** Batches still holding stored spans. */
  get batchCount(): number {
    return this.#batches.size;
  }

  add(batch: SpanBatch, traceIds: readonly string[]): SpanAddResult {
    const result: SpanAddResult = { added: [], duplicates: 0, overflow: 0, evictedSpans: 0, evictedTraces: 0 };
    const perTrace = Math.min(this.maxSpansPerTrace, this.maxSpans);
    const seq = this.#nextSeq++;
    batch.seq = seq;
    const base = seq * REF_SPAN;
    // Registered first: the duplicate checks below read spans of this batch too.
    this.#batches.set(seq, batch);
    let live = 0;
    let entry: TraceEntry | undefined;
    for (let i = 0; i < batch.size; i++) {
      const traceId = traceIds[i]!;
      if (entry === undefined || entry.traceId !== traceId) entry = this.#traces.get(traceId);
      if (!entry) {
        // A new trace: nothing to check.
        entry = { traceId, refs: [base + i], index: undefined, summary: undefined };
        this.#traces.set(traceId, entry);
        this.#order.push(traceId);
        this.#spanCount++;
        live++;
        result.added.push(i);
        continue;
      }
      if (this.#has(entry, batch, i)) {
        result.duplicates++;
        continue;
      }
      if (entry.refs.length >= perTrace) {
        result.overflow++;
        continue;
      }
      const n = entry.refs.length;
      // Most traces hold a few spans: exact-size arrays for them (a push would reserve 17 slots).
      if (n === 1) entry.refs = [entry.refs[0]!, base + i];
      else if (n === 2) entry.refs = [entry.refs[0]!, entry.refs[1]!, base + i];
      else entry.refs.push(base + i);
      if (entry.index) entry.index.add(spanIdOf(batch, i));
      else if (entry.refs.length > INDEX_FROM) entry.index = new Set(entry.refs.map((r) => this.#spanId(r)));
      entry.summary = undefined;
      this.#spanCount++;
      live++;
      result.added.push(i);
    }
    batch.live = live;
    if (live === 0) this.#batches.delete(seq);
    while (this.#spanCount > this.maxSpans) {
      const oldest = this.#traces.get(this.#order.shift() as string);
      if (!oldest) continue;
      this.#traces.delete(oldest.traceId);
      this.#spanCount -= oldest.refs.length;
      result.evictedSpans += oldest.refs.length;
      result.evictedTraces++;
      for (const ref of oldest.refs) {
        const s = Math.floor(ref / REF_SPAN);
        const b = this.#batches.get(s);
        if (b && --b.live === 0) this.#batches.delete(s);
      }
    }
    return result;
  }

  #has(entry: TraceEntry, batch: SpanBatch, i: number): boolean {
    if (entry.index) return entry.index.has(spanIdOf(batch, i));
    const hi = batch.ids[i * 6]!;
    const lo = batch.ids[i * 6 + 1]!;
    for (const ref of entry.refs) {
      const b = this.#batch(ref);
      const j = ref % REF_SPAN;
      if (b.ids[j * 6] === hi && b.ids[j * 6 + 1] === lo) return true;
    }
    return false;
  }

  #batch(ref: number): SpanBatch {
    return this.#batches.get(Math.floor(ref / REF_SPAN)) as SpanBatch;
  }

  #spanId(ref: number): string {
    return spanIdOf(this.#batch(ref), ref % REF_SPAN);
  }

  /** A stored span in full (decoded when its batch is raw). */
  span(ref: number): StoredSpan {
    return spanAt(this.#batch(ref), ref % REF_SPAN);
  }

  /** A trace's spans in full, by start time. */
  spans(traceId: string): StoredSpan[] | undefined {
    const entry = this.#traces.get(traceId);
    if (!entry || entry.refs.length === 0) return undefined;
    const spans = entry.refs.map((ref) => {
      const span = this.span(ref);
      if (span.traceId !== entry.traceId) span.traceId = entry.traceId;
      return span;
    });
    return spans.sort((a, b) => compareNanos(a.startTimeUnixNano, b.startTimeUnixNano));
  }

  /** Names of a trace's spans (from the index). */
  spanNames(traceId: string): string[] {
    const entry = this.#traces.get(traceId);
    if (!entry) return [];
    return entry.refs.map((ref) => this.#batch(ref).names[ref % REF_SPAN]!);
  }

  summary(traceId: string): TraceSummary | undefined {
    const entry = this.#traces.get(traceId);
    return entry && entry.refs.length > 0 ? this.#summarize(entry) : undefined;
  }

  /** Every trace summary (unordered). */
  summaries(): TraceSummary[] {
    const out: TraceSummary[] = [];
    for (const entry of this.#traces.values()) if (entry.refs.length > 0) out.push(this.#summarize(entry));
    return out;
  }

  /** SERVER spans, trace by trace, optionally of one service. */
  serverSpans(service?: string): ServerSpanRow[] {
    const out: ServerSpanRow[] = [];
    for (const entry of this.#traces.values()) {
      let ids: Set<string> | undefined;
      for (const ref of entry.refs) {
        const batch = this.#batch(ref);
        const i = ref % REF_SPAN;
        if (batch.codes[i * 3] !== KIND_SERVER) continue;
        if (service !== undefined && batch.services[i] !== service) continue;
        const flags = batch.codes[i * 3 + 2]!;
        let entryPoint = (flags & FLAG_PARENT) === 0;
        if (!entryPoint) {
          ids ??= this.#ids(entry);
          entryPoint = !ids.has(parentIdOf(batch, i) as string);
        }
        out.push({
          traceId: entry.traceId,
          service: batch.services[i]!,
          route: batch.routes[i]!,
          failed: (flags & FLAG_FAILED) !== 0,
          startMs: batch.times[i * 2]!,
          durationMs: batch.times[i * 2 + 1]!,
          entry: entryPoint,
          ref,
        });
      }
    }
    return out;
  }

  #ids(entry: TraceEntry): Set<string> {
    return entry.index ?? new Set(entry.refs.map((r) => this.#spanId(r)));
  }

  #summarize(entry: TraceEntry): TraceSummary {
    if (entry.summary) return entry.summary;
    let root = -1;
    let rootBatch: SpanBatch | undefined;
    let earliest = -1;
    let earliestBatch: SpanBatch | undefined;
    let startMs = Number.POSITIVE_INFINITY;
    let endMs = Number.NEGATIVE_INFINITY;
    let errorCount = 0;
    let anyOk = false;
    const services = new Set<string>();
    let ids: Set<string> | undefined;
    for (const ref of entry.refs) {
      const batch = this.#batch(ref);
      const i = ref % REF_SPAN;
      const s = batch.times[i * 2]!;
      const e = s + batch.times[i * 2 + 1]!;
      if (s < startMs) {
        startMs = s;
        earliest = i;
        earliestBatch = batch;
      }
      if (e > endMs) endMs = e;
      services.add(batch.services[i]!);
      const status = batch.codes[i * 3 + 1];
      if (status === STATUS_ERROR) errorCount++;
      if (status === 1) anyOk = true;
      let isRoot = (batch.codes[i * 3 + 2]! & FLAG_PARENT) === 0;
      if (!isRoot) {
        ids ??= this.#ids(entry);
        isRoot = !ids.has(parentIdOf(batch, i) as string);
      }
      if (isRoot && (!rootBatch || compareNanos(startNanosOf(batch, i), startNanosOf(rootBatch, root)) < 0)) {
        root = i;
        rootBatch = batch;
      }
    }
    const headBatch = (rootBatch ?? earliestBatch) as SpanBatch;
    const head = rootBatch ? root : earliest;
    entry.summary = {
      traceId: entry.traceId,
      rootName: headBatch.names[head]!,
      rootService: headBatch.services[head]!,
      services: [...services],
      startTime: new Date(Math.floor(startMs)).toISOString(),
      durationMs: Math.max(0, endMs - startMs),
      spanCount: entry.refs.length,
      errorCount,
      status: errorCount > 0 ? 'error' : anyOk ? 'ok' : 'unset',
    };
    return entry.summary;
  }
}

/** Compares two decimal nanosecond strings numerically without BigInt. */
export function compareNanos(a: string, b: string): number {
  if (a.length !== b.length) return a.length - b.length;
  return a < b ? -1 : a > b ? 1 : 0;
}
