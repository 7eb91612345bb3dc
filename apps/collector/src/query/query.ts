import type { Level } from '../internal/attribute-names.js';
import { isoFromMs, nanosToMs } from '../otlp/values.js';
import type { CollectorStats, ServiceInfo, Store } from '../store/store.js';
import type { TraceSummary } from '../store/trace-store.js';
import type { ErrorEvent, ErrorGroup, LogRecord, Span, StatusName, StoredSpan } from '../store/types.js';
import { queryRed, type RedQuery, type RedResult, serverSpans } from './red.js';

/** Filters of `listTraces` / `GET /api/traces`. */
export interface TraceQuery {
  service?: string;
  status?: StatusName;
  /** Only traces whose root or any span name contains this text. */
  name?: string;
  /** Epoch ms; traces that started at or after it. */
  startMs?: number;
  /** Epoch ms; traces that started at or before it. */
  endMs?: number;
  minDurationMs?: number;
  /** @defaultValue 50 (at most 1000) */
  limit?: number;
}

/** A node of a trace's span tree. */
export interface SpanNode {
  spanId: string;
  children: SpanNode[];
}

/** `GET /api/traces/:traceId`. */
export interface TraceDetail extends TraceSummary {
  spans: Span[];
  /** The spans as a tree (roots are spans without a parent in this trace), children by start time. */
  tree: SpanNode[];
  /** Fingerprints of the error groups with an occurrence in this trace. */
  errorFingerprints: string[];
  /** Log records with this trace id. */
  logCount: number;
}

/** Filters of `searchLogs` / `GET /api/logs`. */
export interface LogQuery {
  traceId?: string;
  spanId?: string;
  correlationId?: string;
  /** Any of these levels. */
  levels?: Level[];
  service?: string;
  fingerprint?: string;
  /** Case-insensitive text in the message, error type/message or correlation id. */
  q?: string;
  startMs?: number;
  endMs?: number;
  /** @defaultValue 200 (at most 5000) */
  limit?: number;
}

/** Filters of `listErrorGroups` / `GET /api/errors`. */
export interface ErrorQuery {
  service?: string;
  /** @defaultValue 'lastSeen' */
  sort?: 'lastSeen' | 'count' | 'firstSeen';
  /** @defaultValue 100 */
  limit?: number;
}

/** `GET /api/errors/:fingerprint`. */
export interface ErrorGroupDetail extends ErrorGroup {
  sampleEvent: ErrorEvent;
  /** Up to 100 user ids of the group. */
  userIds: string[];
  /** The most recent occurrences still stored (newest first, at most 50). */
  events: ErrorEvent[];
  /** Trace ids of stored occurrences (newest first, at most 50). */
  traceIds: string[];
}

/** A service with its RED totals (`GET /api/services`). */
export interface ServiceOverview extends ServiceInfo {
  requests: number;
  failedRequests: number;
  errorRatio: number;
  errorGroups: number;
}

/** The read side of the collector: every query the JSON API serves. */
export interface CollectorQuery {
  listTraces(query?: TraceQuery): TraceSummary[];
  getTrace(traceId: string): TraceDetail | undefined;
  searchLogs(query?: LogQuery): LogRecord[];
  listErrorGroups(query?: ErrorQuery): ErrorGroup[];
  getErrorGroup(fingerprint: string): ErrorGroupDetail | undefined;
  red(query?: RedQuery): RedResult;
  services(): ServiceOverview[];
  stats(): CollectorStats;
}

function clampLimit(limit: number | undefined, fallback: number, max: number): number {
  if (limit === undefined || !Number.isFinite(limit)) return fallback;
  return Math.max(1, Math.min(max, Math.floor(limit)));
}

/** The API shape of a stored span: adds the ISO start and end times. */
function toApiSpan(span: StoredSpan): Span {
  return {
    ...span,
    startTime: isoFromMs(nanosToMs(span.startTimeUnixNano)),
    endTime: isoFromMs(nanosToMs(span.endTimeUnixNano)),
  };
}

function buildTree(spans: StoredSpan[]): SpanNode[] {
  const nodes = new Map<string, SpanNode>();
  for (const s of spans) nodes.set(s.spanId, { spanId: s.spanId, children: [] });
  const roots: SpanNode[] = [];
  for (const s of spans) {
    const node = nodes.get(s.spanId)!;
    const parent = s.parentSpanId ? nodes.get(s.parentSpanId) : undefined;
    if (parent && parent !== node) parent.children.push(node);
    else roots.push(node);
  }
  return roots;
}

/** Creates the query API over a store. Every query first stores what was accepted and is still queued. */
export function createQuery(store: Store): CollectorQuery {
  const query: CollectorQuery = {
    listTraces(query = {}) {
      const limit = clampLimit(query.limit, 50, 1000);
      const name = query.name?.toLowerCase();
      const out = store.traces.summaries().filter((t) => {
        if (query.service && !t.services.includes(query.service)) return false;
        if (query.status && t.status !== query.status) return false;
        if (query.minDurationMs !== undefined && t.durationMs < query.minDurationMs) return false;
        const start = Date.parse(t.startTime);
        if (query.startMs !== undefined && start < query.startMs) return false;
        if (query.endMs !== undefined && start > query.endMs) return false;
        if (name && !t.rootName.toLowerCase().includes(name)) {
          if (!store.traces.spanNames(t.traceId).some((n) => n.toLowerCase().includes(name))) return false;
        }
        return true;
      });
      out.sort((a, b) => (a.startTime < b.startTime ? 1 : a.startTime > b.startTime ? -1 : 0));
      return out.slice(0, limit);
    },

    getTrace(traceId) {
      const id = traceId.toLowerCase();
      const spans = store.traces.spans(id);
      const summary = store.traces.summary(id);
      if (!spans || !summary) return undefined;
      const fingerprints = new Set<string>();
      for (const e of store.errors.events.newestFirst()) if (e.traceId === id) fingerprints.add(e.fingerprint);
      let logCount = 0;
      for (const l of store.logs.oldestFirst()) if (l.record.trace_id === id) logCount++;
      return {
        ...summary,
        spans: spans.map(toApiSpan),
        tree: buildTree(spans),
        errorFingerprints: [...fingerprints],
        logCount,
      };
    },

    searchLogs(query = {}) {
      const limit = clampLimit(query.limit, 200, 5000);
      const q = query.q?.toLowerCase();
      const traceId = query.traceId?.toLowerCase();
      const spanId = query.spanId?.toLowerCase();
      const out: LogRecord[] = [];
      for (const { record: r, timeMs } of store.logs.newestFirst()) {
        if (traceId && r.trace_id !== traceId) continue;
        if (spanId && r.span_id !== spanId) continue;
        if (query.correlationId && r.correlation_id !== query.correlationId) continue;
        if (query.levels && !query.levels.includes(r.level)) continue;
        if (query.service && r.service !== query.service) continue;
        if (query.fingerprint && r.error?.fingerprint !== query.fingerprint) continue;
        if (query.startMs !== undefined && timeMs < query.startMs) continue;
        if (query.endMs !== undefined && timeMs > query.endMs) continue;
        if (q) {
          const text = `${r.message}\n${r.error?.type ?? ''}\n${r.error?.message ?? ''}\n${r.correlation_id ?? ''}`;
          if (!text.toLowerCase().includes(q)) continue;
        }
        out.push(r);
        if (out.length >= limit) break;
      }
      return out;
    },

    listErrorGroups(query = {}) {
      const limit = clampLimit(query.limit, 100, 1000);
      const sort = query.sort ?? 'lastSeen';
      const groups = store.errors.groups().filter((g) => !query.service || g.services.includes(query.service));
      groups.sort((a, b) =>
        sort === 'count'
          ? b.count - a.count || b.lastSeen.localeCompare(a.lastSeen)
          : sort === 'firstSeen'
            ? b.firstSeen.localeCompare(a.firstSeen)
            : b.lastSeen.localeCompare(a.lastSeen),
      );
      return groups.slice(0, limit);
    },

    getErrorGroup(fingerprint) {
      const group = store.errors.group(fingerprint);
      if (!group) return undefined;
      const events: ErrorEvent[] = [];
      const traceIds = new Set<string>();
      for (const e of store.errors.events.newestFirst()) {
        if (e.fingerprint !== fingerprint) continue;
        if (events.length < 50) events.push(e);
        if (e.traceId && traceIds.size < 50) traceIds.add(e.traceId);
      }
      return { ...group, events, traceIds: [...traceIds] };
    },

    red(query = {}) {
      return queryRed(store, query);
    },

    services() {
      const groups = store.errors.groups();
      const spans = serverSpans(store);
      return store.services().map((s) => {
        let requests = 0;
        let failed = 0;
        for (const span of spans) {
          if (span.service !== s.name) continue;
          requests++;
          if (span.failed) failed++;
        }
        return {
          ...s,
          requests,
          failedRequests: failed,
          errorRatio: requests ? failed / requests : 0,
          errorGroups: groups.filter((g) => g.services.includes(s.name)).length,
        };
      });
    },

    stats() {
      return store.stats();
    },
  };
  for (const key of Object.keys(query) as (keyof CollectorQuery)[]) {
    const method = query[key] as (...args: unknown[]) => unknown;
    (query as unknown as Record<string, unknown>)[key] = (...args: unknown[]) => {
      store.drain();
      return method(...args);
    };
  }
  return query;
}
