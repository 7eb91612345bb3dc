import { DataPointType, type MetricData, type ResourceMetrics } from '@opentelemetry/sdk-metrics';

// Unit words of the OpenTelemetry → Prometheus compatibility specification, as the OpenTelemetry Collector's
// Prometheus exporter and Prometheus' own OTLP receiver apply them.
const UNIT_WORDS: Record<string, string> = {
  d: 'days',
  h: 'hours',
  min: 'minutes',
  s: 'seconds',
  ms: 'milliseconds',
  us: 'microseconds',
  ns: 'nanoseconds',
  By: 'bytes',
  KiBy: 'kibibytes',
  MiBy: 'mebibytes',
  GiBy: 'gibibytes',
  TiBy: 'tibibytes',
  KBy: 'kilobytes',
  MBy: 'megabytes',
  GBy: 'gigabytes',
  TBy: 'terabytes',
  m: 'meters',
  V: 'volts',
  A: 'amperes',
  J: 'joules',
  W: 'watts',
  g: 'grams',
  Cel: 'celsius',
  Hz: 'hertz',
  '%': 'percent',
};
const PER_WORDS: Record<string, string> = {
  s: 'second',
  m: 'minute',
  h: 'hour',
  d: 'day',
  w: 'week',
  mo: 'month',
  y: 'year',
};

function sanitize(s: string): string {
  return s.replace(/[^a-zA-Z0-9_]/g, '_').replace(/_{2,}/g, '_');
}

/** The unit suffix of a metric (`s` → `seconds`, `By/s` → `bytes_per_second`, `{request}` → none, `1` → `ratio` for gauges). */
export function unitSuffix(unit: string, isGauge: boolean): string {
  const bare = unit.replace(/\{[^}]*\}/g, '').trim();
  if (bare === '1') return isGauge ? 'ratio' : '';
  if (bare === '') return '';
  const slash = bare.indexOf('/');
  const main = slash === -1 ? bare : bare.slice(0, slash);
  const per = slash === -1 ? '' : bare.slice(slash + 1);
  const mainWord = main === '' || main === '1' ? '' : (UNIT_WORDS[main] ?? sanitize(main));
  const perWord = per === '' ? '' : (PER_WORDS[per] ?? sanitize(per));
  return [mainWord, perWord && `per_${perWord}`].filter(Boolean).join('_');
}

/**
 * The Prometheus name of an OpenTelemetry metric, without the `_total` a counter gets from the serializer:
 * `http.server.request.duration` in `s` → `http_server_request_duration_seconds`.
 */
export function prometheusBaseName(name: string, unit: string, isGauge: boolean): string {
  let base = sanitize(name);
  const suffix = unitSuffix(unit, isGauge);
  if (suffix !== '' && !base.endsWith(`_${suffix}`) && base !== suffix) base = `${base}_${suffix}`;
  return base;
}

/** The full Prometheus sample-family name, `_total` included for monotonic sums. */
export function prometheusName(
  name: string,
  unit: string,
  kind: 'counter' | 'updowncounter' | 'histogram' | 'gauge',
): string {
  const base = prometheusBaseName(name, unit, kind === 'gauge');
  return kind === 'counter' && !base.endsWith('_total') ? `${base}_total` : base;
}

function renamed(metric: MetricData): MetricData {
  const isGauge = metric.dataPointType === DataPointType.GAUGE;
  const name = prometheusBaseName(metric.descriptor.name, metric.descriptor.unit, isGauge);
  return { ...metric, descriptor: { ...metric.descriptor, name } } as MetricData;
}

/** Applies {@link prometheusBaseName} to every metric of a collection, leaving the SDK's data untouched. */
export function withPrometheusNames(resourceMetrics: ResourceMetrics): ResourceMetrics {
  return {
    resource: resourceMetrics.resource,
    scopeMetrics: resourceMetrics.scopeMetrics.map((scope) => ({
      scope: scope.scope,
      metrics: scope.metrics.map(renamed),
    })),
  };
}
