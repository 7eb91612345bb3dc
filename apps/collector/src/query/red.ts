import { ATTRIBUTE_NAMES } from '../internal/attribute-names.js';
import { attrNumber, attrString } from '../otlp/values.js';
import type { Store } from '../store/store.js';
import type { ServerSpanRow } from '../store/trace-store.js';
import type { MetricPoint } from '../store/types.js';

export { isFailedRequest, routeOf } from './request-rules.js';

/** Rate, errors and duration of one service + route. */
export interface RedRow {
  service: string;
  route: string;
  /** `spans`: from SERVER spans; `metrics`: from received `http.server.request.duration` histograms. */
  source: 'spans' | 'metrics';
  count: number;
  errorCount: number;
  errorRatio: number;
  /** Requests per second over the observed window. */
  ratePerSec: number;
  p50Ms: number | null;
  p95Ms: number | null;
  p99Ms: number | null;
  windowStart: string;
  windowEnd: string;
}

/** One time bucket of a service's RED series (from spans). */
export interface RedPoint {
  time: string;
  count: number;
  errorCount: number;
  errorRatio: number;
  p50Ms: number | null;
  p95Ms: number | null;
}

/** `GET /api/metrics/red`. */
export interface RedResult {
  red: RedRow[];
  series: { service: string; bucketMs: number; points: RedPoint[] }[];
}

/** Filters of the RED query. */
export interface RedQuery {
  service?: string;
  route?: string;
  source?: 'spans' | 'metrics' | 'all';
}

/** Nearest-rank percentile of an ascending array. */
export function percentile(sorted: number[], p: number): number | null {
  if (sorted.length === 0) return null;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))]!;
}

const NICE_BUCKETS = [
  1_000, 5_000, 10_000, 30_000, 60_000, 300_000, 600_000, 1_800_000, 3_600_000, 21_600_000, 86_400_000,
];

/** A bucket size that cuts the window into at most 60 buckets. */
export function bucketFor(windowMs: number): number {
  return NICE_BUCKETS.find((b) => windowMs / b <= 60) ?? 86_400_000;
}

function round(n: number | null): number | null {
  return n === null ? null : Math.round(n * 1000) / 1000;
}

function spanStartMs(span: ServerSpanRow): number {
  return span.startMs;
}

/** RED rows and per-service series from the SERVER spans in the store. */
function redFromSpans(spans: ServerSpanRow[], query: RedQuery): RedResult {
  const groups = new Map<
    string,
    { service: string; route: string; durations: number[]; errors: number; start: number; end: number }
  >();
  const perService = new Map<string, ServerSpanRow[]>();
  for (const span of spans) {
    const route = span.route;
    if (query.route && route !== query.route && !route.endsWith(` ${query.route}`)) continue;
    const key = `${span.service}\u0000${route}`;
    let g = groups.get(key);
    const start = spanStartMs(span);
    if (!g) {
      g = { service: span.service, route, durations: [], errors: 0, start, end: start + span.durationMs };
      groups.set(key, g);
    }
    g.durations.push(span.durationMs);
    if (span.failed) g.errors++;
    g.start = Math.min(g.start, start);
    g.end = Math.max(g.end, start + span.durationMs);
    let list = perService.get(span.service);
    if (!list) {
      list = [];
      perService.set(span.service, list);
    }
    list.push(span);
  }
  const red: RedRow[] = [...groups.values()].map((g) => {
    const sorted = g.durations.sort((a, b) => a - b);
    const windowSec = Math.max(1, (g.end - g.start) / 1000);
    return {
      service: g.service,
      route: g.route,
      source: 'spans',
      count: sorted.length,
      errorCount: g.errors,
      errorRatio: sorted.length ? g.errors / sorted.length : 0,
      ratePerSec: sorted.length / windowSec,
      p50Ms: round(percentile(sorted, 50)),
      p95Ms: round(percentile(sorted, 95)),
      p99Ms: round(percentile(sorted, 99)),
      windowStart: new Date(g.start).toISOString(),
      windowEnd: new Date(g.end).toISOString(),
    };
  });
  const series = [...perService.entries()].map(([service, list]) => {
    let min = Number.POSITIVE_INFINITY;
    let max = Number.NEGATIVE_INFINITY;
    for (const s of list) {
      const t = spanStartMs(s);
      if (t < min) min = t;
      if (t > max) max = t;
    }
    const bucketMs = bucketFor(max - min);
    const buckets = new Map<number, { durations: number[]; errors: number }>();
    for (const s of list) {
      const b = Math.floor(spanStartMs(s) / bucketMs) * bucketMs;
      let bucket = buckets.get(b);
      if (!bucket) {
        bucket = { durations: [], errors: 0 };
        buckets.set(b, bucket);
      }
      bucket.durations.push(s.durationMs);
      if (s.failed) bucket.errors++;
    }
    const points: RedPoint[] = [];
    const first = Math.floor(min / bucketMs) * bucketMs;
    for (let t = first; t <= max; t += bucketMs) {
      const bucket = buckets.get(t);
      const sorted = bucket ? bucket.durations.sort((a, b) => a - b) : [];
      points.push({
        time: new Date(t).toISOString(),
        count: sorted.length,
        errorCount: bucket?.errors ?? 0,
        errorRatio: sorted.length ? (bucket?.errors ?? 0) / sorted.length : 0,
        p50Ms: round(percentile(sorted, 50)),
        p95Ms: round(percentile(sorted, 95)),
      });
    }
    return { service, bucketMs, points };
  });
  return { red, series };
}

const DURATION_METRIC = 'http.server.request.duration';

/** Percentile from histogram buckets by linear interpolation inside the bucket that holds the rank. */
export function histogramPercentile(bounds: number[], counts: number[], p: number): number | null {
  const total = counts.reduce((a, b) => a + b, 0);
  if (total === 0) return null;
  const rank = (p / 100) * total;
  let seen = 0;
  for (let i = 0; i < counts.length; i++) {
    const c = counts[i]!;
    if (seen + c >= rank && c > 0) {
      const lower = i === 0 ? 0 : bounds[i - 1]!;
      const upper = i < bounds.length ? bounds[i]! : (bounds[bounds.length - 1] ?? lower);
      return lower + ((rank - seen) / c) * (upper - lower);
    }
    seen += c;
  }
  return bounds[bounds.length - 1] ?? null;
}

/** RED rows from `http.server.request.duration` histograms (cumulative: latest point per series; delta: summed). */
function redFromMetrics(points: Iterable<MetricPoint>, query: RedQuery): RedRow[] {
  const latest = new Map<string, MetricPoint[]>();
  for (const p of points) {
    if (p.name !== DURATION_METRIC || p.type !== 'histogram') continue;
    if (query.service && p.service !== query.service) continue;
    const key = `${p.service}\u0000${JSON.stringify(p.attributes)}`;
    const list = latest.get(key);
    if (!list) latest.set(key, [p]);
    else if (p.temporality === 'delta') list.push(p);
    else if (p.timeMs >= list[0]!.timeMs) list[0] = p;
  }
  const rows = new Map<
    string,
    {
      service: string;
      route: string;
      count: number;
      errors: number;
      bounds: number[];
      counts: number[];
      start: number;
      end: number;
      scale: number;
    }
  >();
  for (const list of latest.values()) {
    for (const p of list) {
      const method = attrString(p.attributes, ATTRIBUTE_NAMES['request.method']);
      const routeAttr = attrString(p.attributes, ATTRIBUTE_NAMES['request.route']) ?? '(no route)';
      const route = method ? `${method} ${routeAttr}` : routeAttr;
      if (query.route && route !== query.route && routeAttr !== query.route) continue;
      const status = attrNumber(p.attributes, ATTRIBUTE_NAMES['request.status_code']);
      const failed = (status !== undefined && status >= 500) || attrString(p.attributes, 'error.type') !== undefined;
      const key = `${p.service}\u0000${route}`;
      const scale = p.unit === 'ms' ? 1 : 1000;
      let row = rows.get(key);
      if (!row) {
        row = {
          service: p.service,
          route,
          count: 0,
          errors: 0,
          bounds: p.explicitBounds ?? [],
          counts: [],
          start: p.startTimeMs,
          end: p.timeMs,
          scale,
        };
        rows.set(key, row);
      }
      const count = p.count ?? 0;
      row.count += count;
      if (failed) row.errors += count;
      row.start = Math.min(row.start, p.startTimeMs || p.timeMs);
      row.end = Math.max(row.end, p.timeMs);
      const same = JSON.stringify(row.bounds) === JSON.stringify(p.explicitBounds ?? []);
      if (same) {
        const counts = p.bucketCounts ?? [];
        for (let i = 0; i < counts.length; i++) row.counts[i] = (row.counts[i] ?? 0) + counts[i]!;
      }
    }
  }
  return [...rows.values()].map((r) => {
    const windowSec = Math.max(1, (r.end - r.start) / 1000);
    const pct = (p: number) => {
      const v = histogramPercentile(r.bounds, r.counts, p);
      return v === null ? null : round(v * r.scale);
    };
    return {
      service: r.service,
      route: r.route,
      source: 'metrics' as const,
      count: r.count,
      errorCount: r.errors,
      errorRatio: r.count ? r.errors / r.count : 0,
      ratePerSec: r.count / windowSec,
      p50Ms: pct(50),
      p95Ms: pct(95),
      p99Ms: pct(99),
      windowStart: new Date(r.start).toISOString(),
      windowEnd: new Date(r.end).toISOString(),
    };
  });
}

/** SERVER spans of the store (from the trace index), optionally for one service. */
export function serverSpans(store: Store, service?: string): ServerSpanRow[] {
  return store.traces.serverSpans(service || undefined);
}

/** RED per service and route, from spans and from metrics. */
export function queryRed(store: Store, query: RedQuery = {}): RedResult {
  const source = query.source ?? 'all';
  const fromSpans =
    source === 'metrics' ? { red: [], series: [] } : redFromSpans(serverSpans(store, query.service), query);
  const fromMetrics = source === 'spans' ? [] : redFromMetrics(store.metrics.oldestFirst(), query);
  const red = [...fromSpans.red, ...fromMetrics].sort(
    (a, b) => a.service.localeCompare(b.service) || a.route.localeCompare(b.route) || a.source.localeCompare(b.source),
  );
  return { red, series: fromSpans.series.sort((a, b) => a.service.localeCompare(b.service)) };
}
