import { SlabArena } from './slab-arena.js';
import {
  FLAG_FAILED,
  FLAG_PARENT,
  hexOfWords,
  ID_SPAN,
  ID_TRACE,
  ID_WORDS,
  KIND_SERVER,
  nameOf,
  parentIdOf,
  routeAt,
  type SpanBatch,
  STATUS_ERROR,
  serviceOf,
  spanAt,
  spanIdOf,
  startNanosOf,
  wordsOfHex,
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

/** `#marks` bits. */
const HAS_SPAN_IDS = 1;
const HAS_SUMMARY = 2;
/** Span ids of a trace are kept in a Set once it grows past this many spans (smaller ones are scanned). */
const INDEX_FROM = 16;
/** Room for the spans of one batch in a reference (a 64 MiB request holds fewer than 2^22 spans). */
const REF_SPAN = 4_194_304;
const HEX32 = /^[0-9a-f]{32}$/;

/**
 * Spans grouped by trace, over {@link SpanBatch}es. Bounded by a total span count: when full, whole traces are evicted
 * oldest first (by first arrival), so a trace is never half-evicted; a batch is let go once none of its spans is
 * stored. A span id seen twice in one trace (OTLP and Sentry both sending the same span) is kept once.
 *
 * There is no object per trace or per span: a trace is a slot in typed-array columns (its id, its first and last span
 * and its span count), found through an open-addressing hash table on the id's words; a trace's spans are chained
 * through their batches' `next` column. The GC has next to nothing to trace however many spans are stored.
 */
export class TraceStore {
  /** Per trace slot: the trace id's 4 words. */
  #tid = new Uint32Array(0);
  #first = new Float64Array(0);
  #last = new Float64Array(0);
  /** Spans of the trace (0: free slot). */
  #count = new Int32Array(0);
  #slots = 0;
  readonly #free: number[] = [];
  /** Open addressing, linear probing: slot + 1, 0 for empty. */
  #table = new Int32Array(0);
  #mask = -1;
  /** Live slots in order of arrival, as a ring. */
  #order = new Int32Array(0);
  #orderHead = 0;
  #traceCount = 0;
  readonly #spanIds = new Map<number, Set<string>>();
  readonly #summaries = new Map<number, TraceSummary>();
  /**
   * Per trace slot: which of the two maps above hold an entry for it (`HAS_SPAN_IDS`, `HAS_SUMMARY`). Nearly every
   * trace is in neither, and the span loop of `add` asks for each span; a byte read spares it the map lookups.
   */
  #marks = new Uint8Array(0);
  readonly #batches = new Map<number, SpanBatch>();
  /** The batch `#batch` found last: a trace's spans and an evicted trace's neighbours mostly share one. */
  #lastSeq = -1;
  #lastBatch: SpanBatch | undefined;
  /** Where scanned batches built for this store keep their bytes and index (see slab-arena.ts). */
  readonly arena: SlabArena;
  #nextSeq = 1;
  #spanCount = 0;

  constructor(
    readonly maxSpans: number,
    readonly maxSpansPerTrace: number,
    slabBytes?: number,
  ) {
    this.arena = new SlabArena(slabBytes);
    this.#growSlots(1024);
    this.#rehash(4096);
  }

  get spanCount(): number {
    return this.#spanCount;
  }

  get traceCount(): number {
    return this.#traceCount;
  }

  /** Batches still holding stored spans. */
  get batchCount(): number {
    return this.#batches.size;
  }

  add(batch: SpanBatch): SpanAddResult {
    const result: SpanAddResult = { added: [], duplicates: 0, overflow: 0, evictedSpans: 0, evictedTraces: 0 };
    const perTrace = Math.min(this.maxSpansPerTrace, this.maxSpans);
    const seq = this.#nextSeq++;
    batch.seq = seq;
    const base = seq * REF_SPAN;
    // Registered first: the duplicate checks below read spans of this batch too.
    this.#batches.set(seq, batch);
    const ids = batch.ids;
    let live = 0;
    let slot = -1;
    for (let i = 0; i < batch.size; i++) {
      const o = i * ID_WORDS + ID_TRACE;
      const ref = base + i;
      batch.next[i] = -1;
      if (slot < 0 || !this.#sameTrace(slot, ids, o)) slot = this.#find(ids, o);
      if (slot < 0) {
        slot = this.#insert(ids, o);
        this.#first[slot] = ref;
        this.#last[slot] = ref;
        this.#count[slot] = 1;
        this.#spanCount++;
        live++;
        result.added.push(i);
        continue;
      }
      if (this.#has(slot, batch, i)) {
        result.duplicates++;
        continue;
      }
      const n = this.#count[slot]!;
      if (n >= perTrace) {
        result.overflow++;
        continue;
      }
      const last = this.#last[slot]!;
      this.#batch(last).next[last % REF_SPAN] = ref;
      this.#last[slot] = ref;
      this.#count[slot] = n + 1;
      const marks = this.#marks[slot]!;
      if (marks !== 0 || n + 1 > INDEX_FROM) {
        if (marks & HAS_SPAN_IDS) (this.#spanIds.get(slot) as Set<string>).add(spanIdOf(batch, i));
        else if (n + 1 > INDEX_FROM) this.#spanIds.set(slot, new Set(this.#refs(slot).map((r) => this.#spanId(r))));
        // The trace changed: a summary made before is stale.
        this.#summaries.delete(slot);
        this.#marks[slot] = n + 1 > INDEX_FROM ? HAS_SPAN_IDS : 0;
      }
      this.#spanCount++;
      live++;
      result.added.push(i);
    }
    batch.live = live;
    if (live === 0) this.#dropBatch(seq, batch);
    while (this.#spanCount > this.maxSpans && this.#traceCount > 0) {
      const oldest = this.#order[this.#orderHead]!;
      this.#orderHead = (this.#orderHead + 1) % this.#order.length;
      const n = this.#count[oldest]!;
      this.#spanCount -= n;
      result.evictedSpans += n;
      result.evictedTraces++;
      for (let ref = this.#first[oldest]!; ref >= 0; ) {
        const b = this.#batch(ref);
        const next = b.next[ref % REF_SPAN]!;
        if (--b.live === 0) this.#dropBatch(b.seq, b);
        ref = next;
      }
      this.#remove(oldest);
    }
    return result;
  }

  // --- trace slots and the hash table ---

  #hash(words: Uint32Array, o: number): number {
    let h = Math.imul(words[o]! ^ 0x9e3779b9, 0x85ebca6b);
    h = Math.imul(h ^ words[o + 1]! ^ (h >>> 15), 0xc2b2ae35);
    h = Math.imul(h ^ words[o + 2]! ^ (h >>> 13), 0x85ebca6b);
    h = Math.imul(h ^ words[o + 3]! ^ (h >>> 16), 0xc2b2ae35);
    return (h ^ (h >>> 15)) & this.#mask;
  }

  #sameTrace(slot: number, words: Uint32Array, o: number): boolean {
    const t = this.#tid;
    const s = slot * 4;
    return t[s] === words[o] && t[s + 1] === words[o + 1] && t[s + 2] === words[o + 2] && t[s + 3] === words[o + 3];
  }

  /** The slot of a trace id, or -1. */
  #find(words: Uint32Array, o: number): number {
    const table = this.#table;
    for (let h = this.#hash(words, o); ; h = (h + 1) & this.#mask) {
      const entry = table[h]!;
      if (entry === 0) return -1;
      if (this.#sameTrace(entry - 1, words, o)) return entry - 1;
    }
  }

  #insert(words: Uint32Array, o: number): number {
    if ((this.#traceCount + 1) * 2 > this.#table.length) this.#rehash(this.#table.length * 2);
    if (this.#free.length === 0) this.#growSlots(this.#slots * 2);
    const slot = this.#free.pop() as number;
    const t = this.#tid;
    t[slot * 4] = words[o]!;
    t[slot * 4 + 1] = words[o + 1]!;
    t[slot * 4 + 2] = words[o + 2]!;
    t[slot * 4 + 3] = words[o + 3]!;
    let h = this.#hash(words, o);
    while (this.#table[h] !== 0) h = (h + 1) & this.#mask;
    this.#table[h] = slot + 1;
    if (this.#traceCount === this.#order.length) this.#growOrder();
    this.#order[(this.#orderHead + this.#traceCount) % this.#order.length] = slot;
    this.#traceCount++;
    return slot;
  }

  /** Frees the slot of the oldest trace (already taken off the order ring). */
  #remove(slot: number): void {
    const table = this.#table;
    const mask = this.#mask;
    let i = this.#hash(this.#tid, slot * 4);
    while (table[i] !== slot + 1) i = (i + 1) & mask;
    // Backward-shift deletion keeps every probe sequence unbroken without tombstones.
    table[i] = 0;
    for (let j = (i + 1) & mask; table[j] !== 0; j = (j + 1) & mask) {
      const k = this.#hash(this.#tid, (table[j]! - 1) * 4);
      const between = i <= j ? i < k && k <= j : i < k || k <= j;
      if (between) continue;
      table[i] = table[j]!;
      table[j] = 0;
      i = j;
    }
    this.#count[slot] = 0;
    if (this.#marks[slot] !== 0) {
      this.#spanIds.delete(slot);
      this.#summaries.delete(slot);
      this.#marks[slot] = 0;
    }
    this.#free.push(slot);
    this.#traceCount--;
  }

  #growSlots(to: number): void {
    const tid = new Uint32Array(to * 4);
    tid.set(this.#tid);
    const first = new Float64Array(to);
    first.set(this.#first);
    const last = new Float64Array(to);
    last.set(this.#last);
    const count = new Int32Array(to);
    count.set(this.#count);
    const marks = new Uint8Array(to);
    marks.set(this.#marks);
    this.#marks = marks;
    this.#tid = tid;
    this.#first = first;
    this.#last = last;
    this.#count = count;
    for (let s = to - 1; s >= this.#slots; s--) this.#free.push(s);
    this.#slots = to;
  }

  #rehash(size: number): void {
    this.#table = new Int32Array(size);
    this.#mask = size - 1;
    for (let k = 0; k < this.#traceCount; k++) {
      const slot = this.#order[(this.#orderHead + k) % this.#order.length]!;
      let h = this.#hash(this.#tid, slot * 4);
      while (this.#table[h] !== 0) h = (h + 1) & this.#mask;
      this.#table[h] = slot + 1;
    }
  }

  #growOrder(): void {
    const old = this.#order;
    const next = new Int32Array(Math.max(1024, old.length * 2));
    for (let k = 0; k < this.#traceCount; k++) next[k] = old[(this.#orderHead + k) % old.length]!;
    this.#order = next;
    this.#orderHead = 0;
  }

  /** Live trace slots in order of arrival. */
  *#liveSlots(): IterableIterator<number> {
    for (let k = 0; k < this.#traceCount; k++) yield this.#order[(this.#orderHead + k) % this.#order.length]!;
  }

  #slotOf(traceId: string): number {
    if (!HEX32.test(traceId)) return -1;
    const words = new Uint32Array(4);
    wordsOfHex(traceId, words, 0, 4);
    return this.#find(words, 0);
  }

  // --- spans of a trace ---

  #refs(slot: number): number[] {
    const out: number[] = [];
    for (let ref = this.#first[slot]!; ref >= 0; ref = this.#batch(ref).next[ref % REF_SPAN]!) out.push(ref);
    return out;
  }

  #has(slot: number, batch: SpanBatch, i: number): boolean {
    if (this.#marks[slot]! & HAS_SPAN_IDS) return (this.#spanIds.get(slot) as Set<string>).has(spanIdOf(batch, i));
    const o = i * ID_WORDS + ID_SPAN;
    const hi = batch.ids[o]!;
    const lo = batch.ids[o + 1]!;
    for (let ref = this.#first[slot]!; ref >= 0; ) {
      const b = this.#batch(ref);
      const j = ref % REF_SPAN;
      const p = j * ID_WORDS + ID_SPAN;
      if (b.ids[p] === hi && b.ids[p + 1] === lo) return true;
      ref = b.next[j]!;
    }
    return false;
  }

  /** Lets a batch go once none of its spans is stored; its arena region is reused after that. */
  #dropBatch(seq: number, batch: SpanBatch): void {
    this.#batches.delete(seq);
    if (seq === this.#lastSeq) {
      this.#lastSeq = -1;
      this.#lastBatch = undefined;
    }
    this.arena.release(batch.slab);
  }

  #batch(ref: number): SpanBatch {
    const seq = Math.floor(ref / REF_SPAN);
    if (seq !== this.#lastSeq) {
      this.#lastBatch = this.#batches.get(seq);
      this.#lastSeq = seq;
    }
    return this.#lastBatch as SpanBatch;
  }

  #spanId(ref: number): string {
    return spanIdOf(this.#batch(ref), ref % REF_SPAN);
  }

  #ids(slot: number): Set<string> {
    return this.#spanIds.get(slot) ?? new Set(this.#refs(slot).map((r) => this.#spanId(r)));
  }

  /** A stored span in full (decoded when its batch is raw). */
  span(ref: number): StoredSpan {
    return spanAt(this.#batch(ref), ref % REF_SPAN);
  }

  /** A trace's spans in full, by start time. */
  spans(traceId: string): StoredSpan[] | undefined {
    const slot = this.#slotOf(traceId);
    if (slot < 0) return undefined;
    const spans = this.#refs(slot).map((ref) => {
      const span = this.span(ref);
      if (span.traceId !== traceId) span.traceId = traceId;
      return span;
    });
    return spans.sort((a, b) => compareNanos(a.startTimeUnixNano, b.startTimeUnixNano));
  }

  /** Names of a trace's spans (from the index). */
  spanNames(traceId: string): string[] {
    const slot = this.#slotOf(traceId);
    if (slot < 0) return [];
    return this.#refs(slot).map((ref) => nameOf(this.#batch(ref), ref % REF_SPAN));
  }

  summary(traceId: string): TraceSummary | undefined {
    const slot = this.#slotOf(traceId);
    return slot < 0 ? undefined : this.#summarize(slot);
  }

  /** Every trace summary, oldest first. */
  summaries(): TraceSummary[] {
    const out: TraceSummary[] = [];
    for (const slot of this.#liveSlots()) out.push(this.#summarize(slot));
    return out;
  }

  /** SERVER spans, trace by trace (oldest first), optionally of one service. */
  serverSpans(service?: string): ServerSpanRow[] {
    const out: ServerSpanRow[] = [];
    for (const slot of this.#liveSlots()) {
      let ids: Set<string> | undefined;
      let traceId: string | undefined;
      for (let ref = this.#first[slot]!; ref >= 0; ) {
        const batch = this.#batch(ref);
        const i = ref % REF_SPAN;
        const here = ref;
        ref = batch.next[i]!;
        if (batch.codes[i * 3] !== KIND_SERVER) continue;
        if (service !== undefined && serviceOf(batch, i) !== service) continue;
        const flags = batch.codes[i * 3 + 2]!;
        let entryPoint = (flags & FLAG_PARENT) === 0;
        if (!entryPoint) {
          ids ??= this.#ids(slot);
          entryPoint = !ids.has(parentIdOf(batch, i) as string);
        }
        traceId ??= hexOfWords(this.#tid, slot * 4);
        out.push({
          traceId,
          service: serviceOf(batch, i),
          route: routeAt(batch, i),
          failed: (flags & FLAG_FAILED) !== 0,
          startMs: batch.times[i * 2]!,
          durationMs: batch.times[i * 2 + 1]!,
          entry: entryPoint,
          ref: here,
        });
      }
    }
    return out;
  }

  #summarize(slot: number): TraceSummary {
    const cached = this.#summaries.get(slot);
    if (cached) return cached;
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
    for (let ref = this.#first[slot]!; ref >= 0; ) {
      const batch = this.#batch(ref);
      const i = ref % REF_SPAN;
      ref = batch.next[i]!;
      const s = batch.times[i * 2]!;
      const e = s + batch.times[i * 2 + 1]!;
      if (s < startMs) {
        startMs = s;
        earliest = i;
        earliestBatch = batch;
      }
      if (e > endMs) endMs = e;
      services.add(serviceOf(batch, i));
      const status = batch.codes[i * 3 + 1];
      if (status === STATUS_ERROR) errorCount++;
      if (status === 1) anyOk = true;
      let isRoot = (batch.codes[i * 3 + 2]! & FLAG_PARENT) === 0;
      if (!isRoot) {
        ids ??= this.#ids(slot);
        isRoot = !ids.has(parentIdOf(batch, i) as string);
      }
      if (isRoot && (!rootBatch || compareNanos(startNanosOf(batch, i), startNanosOf(rootBatch, root)) < 0)) {
        root = i;
        rootBatch = batch;
      }
    }
    const headBatch = (rootBatch ?? earliestBatch) as SpanBatch;
    const head = rootBatch ? root : earliest;
    const summary: TraceSummary = {
      traceId: hexOfWords(this.#tid, slot * 4),
      rootName: nameOf(headBatch, head),
      rootService: serviceOf(headBatch, head),
      services: [...services],
      startTime: new Date(Math.floor(startMs)).toISOString(),
      durationMs: Math.max(0, endMs - startMs),
      spanCount: this.#count[slot]!,
      errorCount,
      status: errorCount > 0 ? 'error' : anyOk ? 'ok' : 'unset',
    };
    this.#summaries.set(slot, summary);
    this.#marks[slot] = this.#marks[slot]! | HAS_SUMMARY;
    return summary;
  }
}

/** Compares two decimal nanosecond strings numerically without BigInt. */
export function compareNanos(a: string, b: string): number {
  if (a.length !== b.length) return a.length - b.length;
  return a < b ? -1 : a > b ? 1 : 0;
}
