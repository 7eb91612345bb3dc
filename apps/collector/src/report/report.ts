import { ATTRIBUTE_NAMES } from '../internal/attribute-names.js';
import { attrString, nanosToMs } from '../otlp/values.js';
import type { CollectorQuery } from '../query/query.js';
import { bucketFor, isFailedRequest } from '../query/red.js';
import type { Store } from '../store/store.js';
import type { ErrorGroup, LogRecord, StoredSpan } from '../store/types.js';

/** One error group in the report, with classification and trend. */
export interface ReportError {
  fingerprint: string;
  type: string;
  message: string;
  count: number;
  firstSeen: string;
  lastSeen: string;
  severity: string | null;
  category: string | null;
  retryable: boolean | null;
  services: string[];
  versions: string[];
  users: number;
  /** `new`: first seen within `newWindowMs` of the report; `recurring`: earlier. */
  trend: 'new' | 'recurring';
  /** Stored occurrences in the second half of the group's lifetime against the first (`steady` below 4). */
  direction: 'rising' | 'falling' | 'steady';
  firstSeenService: string;
  firstSeenVersion: string | null;
  /** Set when the group first appeared in a version that replaced an earlier one of the same service. */
  regression: { service: string; version: string; previousVersion: string; previousVersionFirstSeen: string } | null;
  sampleEventId: string;
  sampleTraceId: string | null;
}

/** A span on the reconstructed timeline. */
export interface TimelineEntry {
  spanId: string;
  parentSpanId: string | null;
  depth: number;
  service: string;
  name: string;
  kind: string;
  /** Milliseconds from the trace start. */
  offsetMs: number;
  durationMs: number;
  status: string;
  /** `origin`: the failure started here; `cascade`: failed because a descendant failed; `error`: failed elsewhere. */
  role: 'origin' | 'cascade' | 'error' | 'ok';
  message: string | null;
}

/** The representative failing trace. */
export interface ReportTrace {
  traceId: string;
  rootName: string;
  rootService: string;
  durationMs: number;
  /** Why this trace was picked. */
  chosenBecause: string;
  origin: { spanId: string; service: string; name: string; message: string | null } | null;
  cascade: { spanId: string; service: string; name: string }[];
  timeline: TimelineEntry[];
}

/** A suggested next check, with the ids it is based on. */
export interface NextCheck {
  fingerprint: string;
  category: string;
  check: string;
  because: string;
}

/** The incident report (`GET /api/report?format=json`). */
export interface IncidentReport {
  generatedAt: string;
  summary: {
    headline: string;
    errorOccurrences: number;
    errorGroups: number;
    firstErrorAt: string | null;
    lastErrorAt: string | null;
    services: string[];
    /** Entry requests: SERVER spans without a parent in their trace. */
    requests: number;
    failedRequests: number;
    errorRatio: number;
    usersAffected: number;
    errorRatioOverTime: { time: string; requests: number; failedRequests: number; errorRatio: number }[];
  };
  topErrors: ReportError[];
  representativeTrace: ReportTrace | null;
  relatedLogs: LogRecord[];
  nextChecks: NextCheck[];
}

/** Options of the report. */
export interface ReportOptions {
  /** How many error groups to detail. @defaultValue 5 */
  top?: number;
  /** A group first seen within this many ms of the report is `new`. @defaultValue 3600000 */
  newWindowMs?: number;
  /** Report time (for tests). @defaultValue now */
  now?: number;
}

function spanMessage(span: StoredSpan): string | null {
  for (const e of span.events) {
    if (e.name === 'exception') {
      const type = attrString(e.attributes, ATTRIBUTE_NAMES['error.type']);
      const msg = attrString(e.attributes, ATTRIBUTE_NAMES['error.message']);
      if (type || msg) return [type, msg].filter(Boolean).join(': ');
    }
  }
  return span.statusMessage || null;
}

function failed(span: StoredSpan): boolean {
  return span.status === 'error' || span.events.some((e) => e.name === 'exception') || isFailedRequest(span);
}

/** Reconstructs the timeline and tells origin from cascade: the origin is the failed span without a failed
 * descendant that ended first; its failed ancestors are the cascade. */
export function analyzeTrace(spans: StoredSpan[], chosenBecause: string): ReportTrace {
  const byId = new Map(spans.map((s) => [s.spanId, s]));
  const children = new Map<string, StoredSpan[]>();
  for (const s of spans) {
    if (s.parentSpanId && byId.has(s.parentSpanId)) {
      const list = children.get(s.parentSpanId) ?? [];
      list.push(s);
      children.set(s.parentSpanId, list);
    }
  }
  const failedBelow = (s: StoredSpan, seen = new Set<string>()): boolean => {
    for (const c of children.get(s.spanId) ?? []) {
      if (seen.has(c.spanId)) continue;
      seen.add(c.spanId);
      if (failed(c) || failedBelow(c, seen)) return true;
    }
    return false;
  };
  const endMs = (s: StoredSpan) => nanosToMs(s.startTimeUnixNano) + s.durationMs;
  const leaves = spans.filter((s) => failed(s) && !failedBelow(s)).sort((a, b) => endMs(a) - endMs(b));
  const origin = leaves[0];
  const cascade: StoredSpan[] = [];
  if (origin) {
    let cur = origin.parentSpanId ? byId.get(origin.parentSpanId) : undefined;
    const guard = new Set<string>();
    while (cur && !guard.has(cur.spanId)) {
      guard.add(cur.spanId);
      if (failed(cur)) cascade.push(cur);
      cur = cur.parentSpanId ? byId.get(cur.parentSpanId) : undefined;
    }
  }
  const cascadeIds = new Set(cascade.map((s) => s.spanId));
  const depthOf = (s: StoredSpan): number => {
    let d = 0;
    let cur = s;
    while (cur.parentSpanId && byId.has(cur.parentSpanId) && d < 100) {
      cur = byId.get(cur.parentSpanId)!;
      d++;
    }
    return d;
  };
  const start = Math.min(...spans.map((s) => nanosToMs(s.startTimeUnixNano)));
  const root = spans.find((s) => !s.parentSpanId || !byId.has(s.parentSpanId)) ?? spans[0]!;
  const timeline: TimelineEntry[] = spans.map((s) => ({
    spanId: s.spanId,
    parentSpanId: s.parentSpanId,
    depth: depthOf(s),
    service: s.service,
    name: s.name,
    kind: s.kind,
    offsetMs: nanosToMs(s.startTimeUnixNano) - start,
    durationMs: s.durationMs,
    status: s.status,
    role: s === origin ? 'origin' : cascadeIds.has(s.spanId) ? 'cascade' : failed(s) ? 'error' : 'ok',
    message: failed(s) ? spanMessage(s) : null,
  }));
  return {
    traceId: root.traceId,
    rootName: root.name,
    rootService: root.service,
    durationMs: Math.max(...spans.map(endMs)) - start,
    chosenBecause,
    origin: origin
      ? { spanId: origin.spanId, service: origin.service, name: origin.name, message: spanMessage(origin) }
      : null,
    cascade: cascade.map((s) => ({ spanId: s.spanId, service: s.service, name: s.name })),
    timeline,
  };
}

const CHECKS: Record<string, (g: ReportError, origin: string | null) => string> = {
  integration: (g, origin) =>
    g.retryable === false
      ? `Check the contract with the upstream${origin ? ` called from ${origin}` : ''}: request payload, credentials and API version (the error is not retryable, so retries will not help).`
      : `Check the upstream${origin ? ` that ${origin} calls` : ''}: its health and latency, the circuit breaker state, timeouts and the retry budget.`,
  performance: () =>
    'Compare p95/p99 latency of the affected routes before and after the first occurrence; check saturation (connection pools, event-loop lag) and timeout settings.',
  configuration: (g) =>
    `Diff configuration and environment between the versions involved (${g.versions.join(', ') || 'unknown'}); check feature flags, secrets and connection strings.`,
  security: () =>
    'Check the authentication/authorization provider, token expiry and the access logs of the affected users.',
  logic: (g) =>
    `Reproduce with the sample event's input (event ${g.sampleEventId}) and review the code path of the top in-app frame${g.regression ? ` in the change from ${g.regression.previousVersion} to ${g.regression.version}` : ''}.`,
  runtime: (g) =>
    `Check memory, CPU and restarts of ${g.services.join(', ')}; look at the top in-app frame of the sample event ${g.sampleEventId}.`,
};

function nextChecks(errors: ReportError[], trace: ReportTrace | null): NextCheck[] {
  const checks: NextCheck[] = [];
  for (const g of errors) {
    const category = g.category ?? 'unclassified';
    const origin =
      trace && g.sampleTraceId === trace.traceId && trace.origin ? `service ${trace.origin.service}` : null;
    const make = CHECKS[category];
    const classification = `category=${category}, severity=${g.severity ?? 'unknown'}, retryable=${g.retryable ?? 'unknown'}`;
    checks.push({
      fingerprint: g.fingerprint,
      category,
      check: make
        ? make(g, origin)
        : `Classify this error (set ${ATTRIBUTE_NAMES['error.category']} and ${ATTRIBUTE_NAMES['error.severity']}) so that the report can suggest checks; meanwhile start from the sample event ${g.sampleEventId}.`,
      because: `${g.fingerprint}: ${classification}; ${g.count} occurrence(s)`,
    });
    if (g.regression) {
      checks.push({
        fingerprint: g.fingerprint,
        category,
        check: `Consider rolling ${g.regression.service} back from ${g.regression.version} to ${g.regression.previousVersion}, or compare the two.`,
        because: `${g.fingerprint} first appeared in ${g.regression.service} ${g.regression.version}, which replaced ${g.regression.previousVersion} (seen since ${g.regression.previousVersionFirstSeen}).`,
      });
    }
  }
  return checks;
}

/** Builds the incident report from the store's data only. */
export function buildReport(store: Store, query: CollectorQuery, options: ReportOptions = {}): IncidentReport {
  const now = options.now ?? Date.now();
  const newWindowMs = options.newWindowMs ?? 3_600_000;
  const groups = query.listErrorGroups({ sort: 'count', limit: 1000 });
  const services = new Map(store.services().map((s) => [s.name, s]));
  const events = [...store.errors.events.oldestFirst()];

  const topErrors: ReportError[] = groups.slice(0, options.top ?? 5).map((g: ErrorGroup) => {
    const first = Date.parse(g.firstSeen);
    const last = Date.parse(g.lastSeen);
    const mid = first + (last - first) / 2;
    let early = 0;
    let late = 0;
    for (const e of events) {
      if (e.fingerprint !== g.fingerprint) continue;
      if (Date.parse(e.timestamp) <= mid) early++;
      else late++;
    }
    let regression: ReportError['regression'] = null;
    const svc = services.get(g.firstSeenService);
    if (svc && g.firstSeenVersion) {
      const idx = svc.versions.findIndex((v) => v.version === g.firstSeenVersion);
      const previous = idx > 0 ? svc.versions[idx - 1] : undefined;
      if (previous && Date.parse(previous.firstSeen) < first) {
        regression = {
          service: svc.name,
          version: g.firstSeenVersion,
          previousVersion: previous.version,
          previousVersionFirstSeen: previous.firstSeen,
        };
      }
    }
    return {
      fingerprint: g.fingerprint,
      type: g.type,
      message: g.message,
      count: g.count,
      firstSeen: g.firstSeen,
      lastSeen: g.lastSeen,
      severity: g.severity,
      category: g.category,
      retryable: g.retryable,
      services: g.services,
      versions: g.versions,
      users: g.users,
      trend: now - first <= newWindowMs ? 'new' : 'recurring',
      direction:
        early + late < 4 ? 'steady' : late > early * 1.5 ? 'rising' : early > late * 1.5 ? 'falling' : 'steady',
      firstSeenService: g.firstSeenService,
      firstSeenVersion: g.firstSeenVersion,
      regression,
      sampleEventId: g.sampleEventId,
      sampleTraceId: g.sampleTraceId,
    };
  });

  // Impact: a request is a trace's entry SERVER span (no parent in the trace), so one failing user request that
  // crosses three services counts once.
  const server = store.traces.serverSpans().filter((s) => s.entry);
  const failedRequests = server.filter((s) => s.failed);
  const times = server.map((s) => s.startMs);
  const errorRatioOverTime: IncidentReport['summary']['errorRatioOverTime'] = [];
  if (times.length > 0) {
    const min = Math.min(...times);
    const max = Math.max(...times);
    const bucket = bucketFor(max - min);
    const counts = new Map<number, [number, number]>();
    for (const s of server) {
      const b = Math.floor(s.startMs / bucket) * bucket;
      const c = counts.get(b) ?? [0, 0];
      c[0]++;
      if (s.failed) c[1]++;
      counts.set(b, c);
    }
    for (let t = Math.floor(min / bucket) * bucket; t <= max; t += bucket) {
      const [requests, failedCount] = counts.get(t) ?? [0, 0];
      errorRatioOverTime.push({
        time: new Date(t).toISOString(),
        requests,
        failedRequests: failedCount,
        errorRatio: requests ? failedCount / requests : 0,
      });
    }
  }
  const users = new Set<string>();
  for (const e of events) if (e.userId) users.add(e.userId);
  for (const s of failedRequests) {
    // The index has no user ids: the failed requests' spans are read in full.
    const u = attrString(store.traces.span(s.ref).attributes, ATTRIBUTE_NAMES['user.id']);
    if (u) users.add(u);
  }
  const occurrences = groups.reduce((n, g) => n + g.count, 0);
  const firstErrorAt = groups.length ? groups.map((g) => g.firstSeen).sort()[0]! : null;
  const lastErrorAt = groups.length
    ? groups
        .map((g) => g.lastSeen)
        .sort()
        .at(-1)!
    : null;
  const errorServices = [...new Set(groups.flatMap((g) => g.services))].sort();

  // Representative failing trace: the top group's sample trace when stored, else the newest failing trace.
  let trace: ReportTrace | null = null;
  for (const g of topErrors) {
    const spans = g.sampleTraceId ? store.traces.spans(g.sampleTraceId) : undefined;
    if (spans) {
      trace = analyzeTrace(spans, `sample trace of the top error group ${g.fingerprint} (event ${g.sampleEventId})`);
      break;
    }
  }
  if (!trace) {
    const newest = query.listTraces({ status: 'error', limit: 1 })[0];
    const spans = newest ? store.traces.spans(newest.traceId) : undefined;
    if (newest && spans) trace = analyzeTrace(spans, 'newest trace with an error status');
  }

  // Related logs: the trace's own, and those sharing its correlation ids.
  let relatedLogs: LogRecord[] = [];
  if (trace) {
    const correlation = new Set<string>();
    for (const s of store.traces.spans(trace.traceId) ?? []) {
      const c = attrString(s.attributes, ATTRIBUTE_NAMES.correlation_id);
      if (c) correlation.add(c);
    }
    const seen = new Set<LogRecord>();
    for (const r of query.searchLogs({ traceId: trace.traceId, limit: 50 })) seen.add(r);
    for (const c of correlation) for (const r of query.searchLogs({ correlationId: c, limit: 50 })) seen.add(r);
    relatedLogs = [...seen].sort((a, b) => a.timestamp.localeCompare(b.timestamp)).slice(0, 50);
  } else if (topErrors[0]) {
    relatedLogs = query.searchLogs({ fingerprint: topErrors[0].fingerprint, limit: 20 }).reverse();
  }

  const headline =
    groups.length === 0
      ? 'No errors received.'
      : `${occurrences} error occurrence(s) in ${groups.length} group(s) across ${errorServices.join(', ')} between ${firstErrorAt} and ${lastErrorAt}; ${failedRequests.length} of ${server.length} request(s) failed; ${users.size} distinct user(s) affected.`;

  return {
    generatedAt: new Date(now).toISOString(),
    summary: {
      headline,
      errorOccurrences: occurrences,
      errorGroups: groups.length,
      firstErrorAt,
      lastErrorAt,
      services: errorServices,
      requests: server.length,
      failedRequests: failedRequests.length,
      errorRatio: server.length ? failedRequests.length / server.length : 0,
      usersAffected: users.size,
      errorRatioOverTime,
    },
    topErrors,
    representativeTrace: trace,
    relatedLogs,
    nextChecks: nextChecks(topErrors, trace),
  };
}
