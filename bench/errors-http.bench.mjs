// Request throughput of a node:http JSON hello-world with @otelkit/errors' glue installed vs bare, each server in its
// own child process under autocannon on loopback: `initErrors()` (process handlers, breadcrumb hook) plus the request
// listener wrapped in `withErrorCapture` — in local mode and in Sentry mode (to a local envelope sink) — and, for
// reference, `Sentry.init({ dsn })` with its defaults (its http integration isolates every request).
// Rounds alternate the servers so that drift on a shared machine hits every contender alike; the median ratio counts.
// Target (issue 7): glue >= 0.97x bare.
import { fork } from 'node:child_process';
import { createServer } from 'node:http';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { Bench } from 'tinybench';
import { median } from './lib/stats.mjs';

const DURATION_S = Number(process.env.BENCH_DURATION_S ?? 4);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const CONNECTIONS = 16;

async function server(variant, dsn) {
  let listener = (_req, res) => {
    res.setHeader('content-type', 'application/json');
    res.end('{"hello":"world"}');
  };
  if (variant === 'glue-local' || variant === 'glue-sentry') {
    const { initErrors } = await import('@otelkit/errors');
    const { withErrorCapture } = await import('@otelkit/errors/http');
    initErrors({ dsn: variant === 'glue-sentry' ? dsn : false });
    listener = withErrorCapture(listener);
  } else if (variant === 'sentry-defaults') {
    const Sentry = await import('@sentry/node');
    Sentry.init({ dsn });
  }
  const { createServer: create } = await import('node:http');
  const srv = create(listener);
  srv.listen(0, '127.0.0.1', () => process.send({ port: srv.address().port }));
  process.on('message', (m) => {
    if (m === 'stop') process.exit(0);
  });
}

if (process.env.ERRORS_BENCH_VARIANT) {
  await server(process.env.ERRORS_BENCH_VARIANT, process.env.ERRORS_BENCH_DSN);
} else {
  const sink = createServer((req, res) => {
    req.resume();
    req.on('end', () => res.writeHead(200).end('{}'));
  });
  await new Promise((resolve) => sink.listen(0, '127.0.0.1', resolve));
  const dsn = `http://publickey@127.0.0.1:${sink.address().port}/1`;
  const variants = ['bare', 'glue-local', 'glue-sentry', 'sentry-defaults'];
  const results = Object.fromEntries(variants.map((v) => [v, []]));
  const servers = {};
  for (const v of variants) {
    const child = fork(fileURLToPath(import.meta.url), [], {
      env: { ...process.env, ERRORS_BENCH_VARIANT: v, ERRORS_BENCH_DSN: dsn, OTEL_SERVICE_NAME: `bench-${v}` },
      stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
    });
    const { port } = await new Promise((resolve) => child.once('message', resolve));
    servers[v] = { child, port };
    await autocannon({ url: `http://127.0.0.1:${port}/`, connections: CONNECTIONS, duration: 1 }); // warm-up
  }
  for (let round = 0; round < ROUNDS; round++) {
    for (const v of round % 2 === 0 ? variants : [...variants].reverse()) {
      const r = await autocannon({
        url: `http://127.0.0.1:${servers[v].port}/`,
        connections: CONNECTIONS,
        duration: DURATION_S,
      });
      results[v].push({ rps: r.requests.average, errors: r.errors + r.non2xx });
    }
  }
  for (const v of variants) servers[v].child.send('stop');
  sink.close();

  const bareRounds = results.bare.map((r) => r.rps);
  console.log(
    `\nnode:http hello world, ${CONNECTIONS} connections, ${ROUNDS} alternating rounds of ${DURATION_S}s (higher req/s is better)`,
  );
  const w = Math.max(...variants.map((v) => v.length));
  const ratios = {};
  for (const v of variants) {
    const rps = results[v].map((r) => r.rps);
    ratios[v] = median(rps.map((x, i) => x / bareRounds[i]));
    const errors = results[v].reduce((n, r) => n + r.errors, 0);
    console.log(
      `  ${v.padEnd(w)}  ${Math.round(median(rps)).toLocaleString('en-US').padStart(8)} req/s  ${ratios[v].toFixed(3)}x bare` +
        `  (rounds: ${rps.map((x) => Math.round(x)).join(', ')})${errors ? `  errors ${errors}` : ''}`,
    );
  }
  console.log(
    `\nerror glue: ${ratios['glue-local'].toFixed(3)}x bare in local mode, ${ratios['glue-sentry'].toFixed(3)}x in Sentry mode (target >= 0.97x)`,
  );

  // The same question without loopback noise: what the wrapper adds to one call of the listener.
  const { withErrorCapture } = await import('@otelkit/errors/http');
  const res = { setHeader() {}, end() {} };
  const req = {};
  const hello = (_req, r) => {
    r.setHeader('content-type', 'application/json');
    r.end('{"hello":"world"}');
  };
  const asyncHello = async (_req, r) => hello(_req, r);
  const wrapped = withErrorCapture(hello);
  const wrappedAsync = withErrorCapture(asyncHello);
  const bench = new Bench({ time: 1000, warmupTime: 200 });
  bench
    .add('listener', () => hello(req, res))
    .add('withErrorCapture(listener)', () => wrapped(req, res))
    .add('async listener', () => asyncHello(req, res))
    .add('withErrorCapture(async listener)', () => wrappedAsync(req, res));
  await bench.run();
  const ns = Object.fromEntries(bench.tasks.map((t) => [t.name, 1e9 / (t.result.throughput?.mean ?? t.result.hz)]));
  const perRequestNs = 1e9 / median(bareRounds);
  // Differences below the timer's resolution come out negative: they are reported as 0.
  const added = Math.max(0, ns['withErrorCapture(listener)'] - ns.listener);
  const addedAsync = Math.max(0, ns['withErrorCapture(async listener)'] - ns['async listener']);
  console.log(
    `\nwrapper cost per request: ${added.toFixed(0)} ns (sync listener), ${addedAsync.toFixed(0)} ns (async listener); ` +
      `a bare request costs the server ${(perRequestNs / 1000).toFixed(1)} µs here (1 / throughput), ` +
      `so the wrapper alone bounds the ratio at ${(perRequestNs / (perRequestNs + Math.max(added, addedAsync))).toFixed(4)}x`,
  );
}
