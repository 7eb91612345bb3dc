import {
  apiUrl,
  getJson,
  parseRed,
  parseServices,
  parseTraceList,
  type RedPoint,
  type RedService,
  type ServiceSummary,
  type TraceSummary,
} from '../api.js';
import { serviceColor } from '../colors.js';
import {
  Empty,
  ErrorBox,
  Field,
  formatNumber,
  formatPercent,
  Loading,
  PageHeader,
  ServiceChip,
} from '../components/common.js';
import { type ChartSeries, LineChart } from '../components/line-chart.js';
import { href } from '../router.js';
import { formatAgo, formatDuration } from '../time.js';
import { useFetch } from '../use-fetch.js';

interface ServiceView {
  name: string;
  summary: ServiceSummary | undefined;
  red: RedService;
}

interface Overview {
  services: ServiceView[];
  /** True when the time series were derived here from recent traces because the RED answer had none. */
  derived: boolean;
}

const BUCKETS = 30;

function percentile(sorted: number[], p: number): number | undefined {
  if (sorted.length === 0) return undefined;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

/** RED over time per service from trace summaries: an approximation used only when the server sends no series. */
function seriesFromTraces(traces: TraceSummary[]): Map<string, RedPoint[]> {
  const timed = traces.filter((t) => t.startTime !== undefined);
  const out = new Map<string, RedPoint[]>();
  if (timed.length === 0) return out;
  const t0 = Math.min(...timed.map((t) => t.startTime!));
  const t1 = Math.max(...timed.map((t) => t.startTime!));
  const size = Math.max(1000, (t1 - t0) / BUCKETS);
  const buckets = new Map<string, Map<number, { count: number; errors: number; durations: number[] }>>();
  for (const trace of timed) {
    const b = Math.floor((trace.startTime! - t0) / size);
    for (const service of [trace.rootService || trace.services[0] || 'unknown_service']) {
      const perService = buckets.get(service) ?? new Map();
      buckets.set(service, perService);
      const cell = perService.get(b) ?? { count: 0, errors: 0, durations: [] };
      perService.set(b, cell);
      cell.count++;
      if (trace.status === 'error') cell.errors++;
      if (trace.durationMs !== undefined) cell.durations.push(trace.durationMs);
    }
  }
  for (const [service, perService] of buckets) {
    const points: RedPoint[] = [];
    const last = Math.floor((t1 - t0) / size);
    for (let b = 0; b <= last; b++) {
      const cell = perService.get(b);
      const durations = (cell?.durations ?? []).sort((x, y) => x - y);
      points.push({
        t: t0 + b * size,
        rate: (cell?.count ?? 0) / (size / 1000),
        errorRatio: cell && cell.count > 0 ? cell.errors / cell.count : undefined,
        p50: percentile(durations, 50),
        p95: percentile(durations, 95),
        p99: percentile(durations, 99),
      });
    }
    out.set(service, points);
  }
  return out;
}

function emptyRed(service: string): RedService {
  return {
    service,
    route: '',
    source: '',
    rate: undefined,
    count: undefined,
    errors: undefined,
    errorRatio: undefined,
    p50: undefined,
    p95: undefined,
    p99: undefined,
    series: [],
    routes: [],
    fromRoutes: false,
  };
}

async function loadOverview(signal: AbortSignal): Promise<Overview> {
  const [summaries, red] = await Promise.allSettled([
    getJson(apiUrl('services'), signal).then(parseServices),
    getJson(apiUrl('metrics/red'), signal).then(parseRed),
  ]);
  if (signal.aborted) throw new DOMException('aborted', 'AbortError');
  if (summaries.status === 'rejected' && red.status === 'rejected') throw red.reason;
  const byName = new Map<string, ServiceView>();
  for (const summary of summaries.status === 'fulfilled' ? summaries.value : []) {
    byName.set(summary.name, { name: summary.name, summary, red: emptyRed(summary.name) });
  }
  for (const r of red.status === 'fulfilled' ? red.value : []) {
    const view = byName.get(r.service);
    if (view) view.red = r;
    else byName.set(r.service, { name: r.service, summary: undefined, red: r });
  }
  let derived = false;
  const views = [...byName.values()];
  if (views.every((v) => v.red.series.length === 0)) {
    const series = seriesFromTraces(parseTraceList(await getJson(apiUrl('traces', { limit: 1000 }), signal)));
    for (const [service, points] of series) {
      const view = byName.get(service) ?? { name: service, summary: undefined, red: emptyRed(service) };
      view.red.series = points;
      byName.set(service, view);
    }
    derived = series.size > 0;
  }
  return { services: [...byName.values()].sort((a, b) => a.name.localeCompare(b.name)), derived };
}

const ms = (v: number): string => formatDuration(v);
const rate = (v: number): string => `${formatNumber(v)}/s`;

function Sparkline({ points, color }: { points: Array<number | undefined>; color: string }) {
  const values = points.filter((v): v is number => v !== undefined);
  if (values.length < 2) return <svg class="sparkline" viewBox="0 0 120 28" aria-hidden="true" />;
  const max = Math.max(...values, 1e-9);
  const step = 120 / (points.length - 1);
  let d = '';
  let pen = false;
  points.forEach((v, i) => {
    if (v === undefined) {
      pen = false;
      return;
    }
    d += `${pen ? 'L' : 'M'}${(i * step).toFixed(1)},${(26 - (v / max) * 24).toFixed(1)}`;
    pen = true;
  });
  return (
    <svg class="sparkline" viewBox="0 0 120 28" preserveAspectRatio="none" aria-hidden="true">
      <path d={d} fill="none" style={{ stroke: color }} stroke-width="1.5" vector-effect="non-scaling-stroke" />
    </svg>
  );
}

function ServiceCard({ view }: { view: ServiceView }) {
  const { red, summary } = view;
  const errorRatio = summary?.requests ? summary.errorRatio : red.errorRatio;
  const requests = summary?.requests ?? red.count;
  const errorish = (errorRatio ?? 0) > 0;
  const version = summary?.versions[summary.versions.length - 1];
  return (
    <a
      class="service-card card"
      href={href(['services'], { service: view.name })}
      data-testid="service-card"
      data-service={view.name}
    >
      <div class="service-card-head">
        <ServiceChip service={view.name} />
        {version ? <span class="mono muted small">{version}</span> : null}
      </div>
      <div class="stats">
        <div>
          <div class="stat-label">Rate</div>
          <div class="stat">{red.rate !== undefined ? rate(red.rate) : '–'}</div>
        </div>
        <div>
          <div class="stat-label">Errors</div>
          <div class={`stat${errorish ? ' text-error' : ''}`}>{requests ? formatPercent(errorRatio) : '–'}</div>
        </div>
        <div>
          <div class="stat-label" title={red.fromRoutes ? 'p95 of the slowest route' : undefined}>
            {red.fromRoutes && red.routes.length > 1 ? 'p95 max' : 'p95'}
          </div>
          <div class="stat">{formatDuration(red.p95)}</div>
        </div>
      </div>
      <Sparkline
        points={red.series.map((p) => p.errorRatio)}
        color={errorish ? 'var(--error)' : serviceColor(view.name)}
      />
      <div class="service-card-foot muted small">
        {requests !== undefined ? `${formatNumber(requests, 0)} requests` : 'no requests'}
        {summary ? ` · ${formatNumber(summary.spans, 0)} spans · ${formatNumber(summary.logs, 0)} logs` : ''}
        {summary?.errorGroups ? (
          <span class="text-error">
            {' '}
            · {summary.errorGroups} error group{summary.errorGroups === 1 ? '' : 's'}
          </span>
        ) : null}
      </div>
    </a>
  );
}

function RoutesTable({ services }: { services: RedService[] }) {
  const rows = services.flatMap((s) =>
    s.routes.length > 0 ? s.routes : s.count !== undefined ? [{ ...s, route: '' }] : [],
  );
  if (rows.length === 0) return null;
  const showSource = new Set(rows.map((r) => r.source)).size > 1;
  return (
    <div class="table-wrap card">
      <table class="data" data-testid="red-table">
        <thead>
          <tr>
            <th>Service</th>
            <th>Route</th>
            {showSource ? <th>Source</th> : null}
            <th class="num">Requests</th>
            <th class="num">Rate</th>
            <th class="num">Error ratio</th>
            <th class="num">p50</th>
            <th class="num">p95</th>
            <th class="num">p99</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((r) => (
            <tr key={`${r.service} ${r.route} ${r.source}`} data-testid="red-row">
              <td>
                <a href={href(['services'], { service: r.service })}>
                  <ServiceChip service={r.service} />
                </a>
              </td>
              <td class="mono">{r.route || <span class="muted">all</span>}</td>
              {showSource ? <td class="muted small">{r.source}</td> : null}
              <td class="num">{formatNumber(r.count, 0)}</td>
              <td class="num">{r.rate !== undefined ? rate(r.rate) : '–'}</td>
              <td class={`num${(r.errorRatio ?? 0) > 0 ? ' text-error' : ''}`}>{formatPercent(r.errorRatio)}</td>
              <td class="num">{formatDuration(r.p50)}</td>
              <td class="num">{formatDuration(r.p95)}</td>
              <td class="num">{formatDuration(r.p99)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

export function ServicesPage({ query }: { query: URLSearchParams }) {
  const focus = query.get('service') ?? '';
  const { data, error, loading } = useFetch('services-overview', loadOverview);

  if (error && !data) {
    return (
      <>
        <PageHeader title="Services" />
        <ErrorBox error={error} />
      </>
    );
  }
  if (!data) return <Loading what="services" />;
  const { services, derived } = data;
  if (services.length === 0) {
    return (
      <>
        <PageHeader title="Services" />
        <Empty>
          Nothing received yet. Point an OpenTelemetry exporter at this collector (OTLP gRPC or HTTP) and services
          appear here.
        </Empty>
      </>
    );
  }

  const focused = services.find((s) => s.name === focus);
  const note = derived ? 'from recent traces' : undefined;
  const bySeries = (pick: (p: RedPoint) => number | undefined): ChartSeries[] =>
    services
      .filter((s) => s.red.series.length > 0)
      .map((s) => ({
        name: s.name,
        color: serviceColor(s.name),
        points: s.red.series.map((p) => ({ t: p.t, v: pick(p) })),
      }));

  if (focused) {
    const pts = focused.red.series;
    const color = serviceColor(focused.name);
    const summary = focused.summary;
    return (
      <>
        <PageHeader title={<ServiceChip service={focused.name} />}>
          <a class="button" href={href(['traces'], { service: focused.name })} data-testid="service-traces-link">
            Traces
          </a>
          <a class="button" href={href(['traces'], { service: focused.name, status: 'error' })}>
            Failed traces
          </a>
          <a class="button" href={href(['logs'], { service: focused.name })}>
            Logs
          </a>
          <a class="button" href={href(['services'])}>
            All services
          </a>
        </PageHeader>
        {summary ? (
          <section class="summary card">
            <Field label="Requests">{formatNumber(summary.requests, 0)}</Field>
            <Field label="Failed">
              <span class={summary.failedRequests ? 'text-error' : undefined}>
                {formatNumber(summary.failedRequests, 0)}
              </span>
            </Field>
            <Field label="Error ratio">{formatPercent(summary.errorRatio)}</Field>
            <Field label="Spans">{formatNumber(summary.spans, 0)}</Field>
            <Field label="Logs">{formatNumber(summary.logs, 0)}</Field>
            <Field label="Error groups">{formatNumber(summary.errorGroups, 0)}</Field>
            <Field label="Versions">
              <span class="mono">{summary.versions.join(', ') || '–'}</span>
            </Field>
            <Field label="Environments">{summary.environments.join(', ') || '–'}</Field>
            <Field label="Last seen">{formatAgo(summary.lastSeen)}</Field>
          </section>
        ) : null}
        <div class="chart-grid">
          <LineChart
            testId="chart-error-ratio"
            title={`Error ratio${note ? ` (${note})` : ''}`}
            series={[
              { name: 'error ratio', color: 'var(--error)', points: pts.map((p) => ({ t: p.t, v: p.errorRatio })) },
            ]}
            format={formatPercent}
            minYMax={0.05}
          />
          <LineChart
            testId="chart-latency"
            title={`Latency${note ? ` (${note})` : ''}`}
            series={[
              { name: 'p50', color, points: pts.map((p) => ({ t: p.t, v: p.p50 })) },
              { name: 'p95', color: 'var(--warn)', points: pts.map((p) => ({ t: p.t, v: p.p95 })) },
              { name: 'p99', color: 'var(--error)', points: pts.map((p) => ({ t: p.t, v: p.p99 })), dashed: true },
            ].filter((series) => series.points.some((p) => p.v !== undefined))}
            format={ms}
          />
          <LineChart
            testId="chart-rate"
            title="Request rate"
            series={[{ name: 'req/s', color, points: pts.map((p) => ({ t: p.t, v: p.rate })) }]}
            format={rate}
          />
        </div>
        <h2 class="section-title">Routes</h2>
        <RoutesTable services={[focused.red]} />
      </>
    );
  }

  return (
    <>
      <PageHeader title="Services">{loading ? <span class="muted small">refreshing…</span> : null}</PageHeader>
      <div class="service-grid" data-testid="service-grid">
        {services.map((s) => (
          <ServiceCard key={s.name} view={s} />
        ))}
      </div>
      <div class="chart-grid">
        <LineChart
          testId="chart-error-ratio"
          title={`Error ratio by service${note ? ` (${note})` : ''}`}
          series={bySeries((p) => p.errorRatio)}
          format={formatPercent}
          minYMax={0.05}
        />
        <LineChart
          testId="chart-latency"
          title={`p95 latency by service${note ? ` (${note})` : ''}`}
          series={bySeries((p) => p.p95)}
          format={ms}
        />
      </div>
      <h2 class="section-title">Routes</h2>
      <RoutesTable services={services.map((s) => s.red)} />
    </>
  );
}
