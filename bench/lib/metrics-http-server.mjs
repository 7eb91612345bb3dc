// The hello-world server of the metrics HTTP benchmark, in its own process: bare, with the @otelkit/metrics RED glue
// (Prometheus pull reader, runtime metrics on, no OTLP push so nothing but recording is measured), or with the
// prom-client middleware most services write by hand.
import { createServer } from 'node:http';

const variant = process.env.VARIANT;
const body = JSON.stringify({ hello: 'world' });
const handler = (_req, res) => {
  res.setHeader('content-type', 'application/json');
  res.end(body);
};
const server = createServer(handler);
let stop = async () => {};
/** For the calibration variants: nanoseconds one request's spin takes in-process. */
let spinNs;

if (variant === 'otelkit' || variant === 'otelkit-no-runtime') {
  const { startMetrics, instrumentHttpServer } = await import('@otelkit/metrics');
  const metrics = startMetrics({ otlp: false, prometheus: true, runtime: variant === 'otelkit' });
  instrumentHttpServer(server, { route: () => '/' });
  stop = () => metrics.shutdown();
} else if (variant === 'otelkit-start-only') {
  // Diagnostics: the provider, exporters and client metrics started, but no server glue.
  const { startMetrics } = await import('@otelkit/metrics');
  const metrics = startMetrics({ otlp: false, prometheus: true, runtime: false });
  stop = () => metrics.shutdown();
} else if (variant === 'otelkit-import-only') {
  await import('@otelkit/metrics');
} else if (variant === 'otelkit-glue-only') {
  // Diagnostics: the glue on a plain SDK provider (nothing else started).
  const { instrumentHttpServer } = await import('@otelkit/metrics');
  const { MeterProvider, MetricReader } = await import('@opentelemetry/sdk-metrics');
  class PullReader extends MetricReader {
    async onShutdown() {}
    async onForceFlush() {}
  }
  instrumentHttpServer(server, { route: () => '/', meterProvider: new MeterProvider({ readers: [new PullReader()] }) });
} else if (variant === 'prom-client') {
  const client = await import('prom-client');
  const registry = new client.Registry();
  const histogram = new client.Histogram({
    name: 'http_server_request_duration_seconds',
    help: 'Duration of HTTP server requests.',
    labelNames: ['http_request_method', 'http_route', 'http_response_status_code', 'url_scheme'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10],
    registers: [registry],
  });
  const active = new client.Gauge({
    name: 'http_server_active_requests',
    help: 'Active requests.',
    registers: [registry],
  });
  server.prependListener('request', (req, res) => {
    const end = histogram.startTimer();
    active.inc();
    res.once('close', () => {
      active.dec();
      end({
        http_request_method: req.method,
        http_route: '/',
        http_response_status_code: res.statusCode,
        url_scheme: 'http',
      });
    });
  });
} else if (variant === 'bare+close') {
  // Diagnostics: bare plus one 'close' listener per response (what every RED middleware adds).
  const noop = () => {};
  server.prependListener('request', (_req, res) => {
    res.on('close', noop);
  });
} else if (variant.startsWith('bare+')) {
  // Calibration: bare plus a known amount of busy JavaScript per request (`bare+1us`), to see how much server CPU per
  // request a given amount of added work shows up as on this machine.
  const spinMs = Number.parseFloat(variant.slice(5)) / 1000;
  const spin = () => {
    const until = performance.now() + spinMs;
    while (performance.now() < until);
  };
  server.prependListener('request', spin);
  // What the spin costs in this process (it overshoots by part of a performance.now() call): the benchmark compares
  // this with what the row reads end to end. The least of a few batches: time the process was descheduled only adds.
  spinNs = Number.POSITIVE_INFINITY;
  for (let batch = 0; batch < 5; batch++) {
    const t = process.hrtime.bigint();
    for (let i = 0; i < 20_000; i++) spin();
    spinNs = Math.min(spinNs, Number(process.hrtime.bigint() - t) / 20_000);
  }
} else if (variant !== 'bare') {
  throw new Error(`unknown variant ${variant}`);
}

// BENCH_GC_STATS=1: also report the time spent in garbage collection since the mark (diagnostics).
let gcMs = 0;
let gcCount = 0;
if (process.env.BENCH_GC_STATS === '1') {
  const { PerformanceObserver } = await import('node:perf_hooks');
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) {
      gcMs += e.duration;
      gcCount++;
    }
  }).observe({ entryTypes: ['gc'] });
}
let cpuMark = process.cpuUsage();
process.on('message', async (m) => {
  if (m === 'mark') {
    cpuMark = process.cpuUsage();
    gcMs = 0;
    gcCount = 0;
    process.send({ marked: true });
  } else if (m === 'cpu') {
    const u = process.cpuUsage(cpuMark);
    process.send({ cpuMicros: u.user + u.system, userMicros: u.user, systemMicros: u.system, gcMs, gcCount });
  } else if (m === 'stop') {
    server.close();
    await stop();
    process.exit(0);
  }
});
server.listen(0, '127.0.0.1', () => process.send({ port: server.address().port, spinNs }));
