// Histogram record with 4 attributes: @otelkit/metrics (a histogram of startMetrics().meter, and one from
// defineMetrics) vs prom-client Histogram.observe with the same 4 labels and buckets, plus the bare OpenTelemetry SDK
// (what otelkit records through when an attribute set is new), and otelkit with frozen attribute objects. Each
// contender runs in a process of its own: in one process the contenders' JIT state colours each other (the SDK's
// shared code goes polymorphic).
// Target (issue 6): otelkit >= 1.0x prom-client, or an explanation (printed below the table).
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { printRatios } from './lib/report.mjs';

const BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10];
const CONTENDERS = [
  'prom-client observe',
  'otelkit record',
  'otelkit record (frozen attributes)',
  'otelkit defineMetrics record',
  'OpenTelemetry SDK record (no guard)',
];

async function measure(name) {
  const { Bench } = await import('tinybench');
  // 32 label sets cycled through, as a service with a few routes produces; a fresh object per call (as callers write
  // it) except in the frozen variant.
  const sets = [];
  for (const m of ['GET', 'POST'])
    for (const r of ['/payments', '/payments/:id', '/refunds/:id', '/health'])
      for (const s of [200, 201, 404, 500]) sets.push({ m, r, s });
  const values = Array.from({ length: 1024 }, (_, i) => ((i * 7919) % 1000) / 400);
  let i = 0;
  let fn;
  let done = async () => {};
  if (name === 'prom-client observe') {
    const client = (await import('prom-client')).default;
    const prom = new client.Histogram({
      name: 'http_server_request_duration_seconds',
      help: 'Duration of HTTP server requests.',
      labelNames: ['http_request_method', 'http_route', 'http_response_status_code', 'url_scheme'],
      buckets: BUCKETS,
      registers: [new client.Registry()],
    });
    fn = () => {
      const { m, r, s } = sets[i & 31];
      prom.observe(
        { http_request_method: m, http_route: r, http_response_status_code: s, url_scheme: 'http' },
        values[i++ & 1023],
      );
    };
  } else if (name.startsWith('otelkit')) {
    const { startMetrics } = await import('@otelkit/metrics');
    const metrics = startMetrics({
      otlp: false,
      prometheus: true,
      runtime: false,
      httpClient: false,
      registerGlobal: false,
    });
    const h = metrics.meter.createHistogram('http.server.request.duration', {
      unit: 's',
      advice: { explicitBucketBoundaries: BUCKETS },
    });
    done = () => metrics.shutdown();
    if (name.includes('defineMetrics')) {
      const { defineMetrics } = await import('@otelkit/metrics');
      const defined = defineMetrics(
        {
          duration: {
            kind: 'histogram',
            name: 'checkout.duration',
            unit: 's',
            buckets: BUCKETS,
            attributes: ['http.request.method', 'http.route', 'http.response.status_code', 'url.scheme'],
          },
        },
        { meterProvider: metrics.meterProvider },
      );
      fn = () => {
        const { m, r, s } = sets[i & 31];
        defined.duration.record(values[i++ & 1023], {
          'http.request.method': m,
          'http.route': r,
          'http.response.status_code': s,
          'url.scheme': 'http',
        });
      };
    } else if (name.includes('frozen')) {
      const frozen = sets.map(({ m, r, s }) =>
        Object.freeze({
          'http.request.method': m,
          'http.route': r,
          'http.response.status_code': s,
          'url.scheme': 'http',
        }),
      );
      fn = () => h.record(values[i & 1023], frozen[i++ & 31]);
    } else {
      fn = () => {
        const { m, r, s } = sets[i & 31];
        h.record(values[i++ & 1023], {
          'http.request.method': m,
          'http.route': r,
          'http.response.status_code': s,
          'url.scheme': 'http',
        });
      };
    }
  } else {
    const { MeterProvider, MetricReader } = await import('@opentelemetry/sdk-metrics');
    class PullReader extends MetricReader {
      async onShutdown() {}
      async onForceFlush() {}
    }
    const provider = new MeterProvider({ readers: [new PullReader()] });
    const h = provider
      .getMeter('bench')
      .createHistogram('http.server.request.duration', { unit: 's', advice: { explicitBucketBoundaries: BUCKETS } });
    done = () => provider.shutdown();
    fn = () => {
      const { m, r, s } = sets[i & 31];
      h.record(values[i++ & 1023], {
        'http.request.method': m,
        'http.route': r,
        'http.response.status_code': s,
        'url.scheme': 'http',
      });
    };
  }
  const bench = new Bench({ time: 2000, warmupTime: 500 });
  bench.add(name, fn);
  await bench.run();
  const t = bench.tasks[0];
  await done();
  return t.result.throughput?.mean ?? t.result.hz;
}

if (process.argv[2] === '--one') {
  process.stdout.write(JSON.stringify({ hz: await measure(process.argv[3]) }));
} else {
  const self = fileURLToPath(import.meta.url);
  const rows = CONTENDERS.map((name) => {
    const r = spawnSync(process.execPath, [self, '--one', name], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    return { name, hz: JSON.parse(r.stdout).hz };
  });
  printRatios(
    'Histogram record with 4 attributes, one process per contender (higher is better)',
    rows,
    'prom-client observe',
  );
  const [promRow, okRow, frozenRow, definedRow, sdkRow] = rows;
  const x = (row) => `${(row.hz / promRow.hz).toFixed(2)}x`;
  console.log(
    `\notelkit record: ${x(okRow)} prom-client (target >= 1.0x); defineMetrics ${x(definedRow)}; frozen attribute objects ${x(frozenRow)};` +
      ` the bare OpenTelemetry SDK ${x(sdkRow)}.` +
      '\nThe SDK hashes every attribute set (sorted keys, JSON.stringify) to find its aggregation cell; otelkit finds the' +
      ' cell of a set it has seen by its values (a trie of Map lookups, no string built) and records into it directly,' +
      ' taking the SDK path only for a new set or the first record after a collection; see packages/metrics/README.md#cost.',
  );
}
