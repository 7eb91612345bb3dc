// What `node --import @otelkit/node/register` costs an unmodified service: start-up time to the first `listening`,
// and the request rate under the same load, bare vs with all four otelkit packages exporting over OTLP to a collector
// running in its own process. Prints medians and ratios; run with `pnpm --filter @otelkit/node bench`.
import { spawn } from 'node:child_process';
import { openSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const here = fileURLToPath(new URL('.', import.meta.url));
const packageDir = fileURLToPath(new URL('..', import.meta.url));
const STARTS = Number(process.env.BENCH_STARTS ?? 7);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 16);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const devNull = openSync('/dev/null', 'w');

function waitForLine(child, stream, pattern) {
  return new Promise((resolve, reject) => {
    let text = '';
    const onData = (d) => {
      text += d;
      const m = pattern.exec(text);
      if (m) {
        child[stream].off('data', onData);
        resolve(m);
      }
    };
    child[stream].on('data', onData);
    child.once('exit', (code) => reject(new Error(`exited with ${code} before ${pattern}:\n${text}`)));
  });
}

const collector = spawn(
  process.execPath,
  [
    fileURLToPath(import.meta.resolve('@otelkit/collector/package.json')).replace(/package\.json$/, 'dist/cli.js'),
    '--grpc-port',
    '0',
    '--http-port',
    '0',
    '--ui-port',
    '0',
  ],
  {
    stdio: ['ignore', 'pipe', 'inherit'],
  },
);
const [, grpcUrl] = await waitForLine(collector, 'stdout', /OTLP\/gRPC\s+(\S+)/);

// Each package alone (through start({ packages })), then all of them through the register entry.
const some = (packages) => ({ args: ['--import', `${here}start-some.mjs`], packages });
const variants = {
  bare: { args: [] },
  logging: some('logging'),
  errors: some('errors'),
  tracing: some('tracing'),
  metrics: some('metrics'),
  all: { args: ['--import', '@otelkit/node/register'] },
};
const env = {
  ...process.env,
  NODE_ENV: 'production',
  OTEL_SERVICE_NAME: 'bench-zero-code',
  OTEL_EXPORTER_OTLP_ENDPOINT: grpcUrl,
  OTELKIT_LOGS_EXPORTER: 'otlp',
  OTEL_METRIC_EXPORT_INTERVAL: '5000',
};
delete env.NODE_PATH;

async function startService({ args, packages }) {
  const began = performance.now();
  const child = spawn(process.execPath, [...args, `${here}service.mjs`], {
    cwd: packageDir,
    env: packages === undefined ? env : { ...env, BENCH_PACKAGES: packages },
    stdio: ['ignore', devNull, 'pipe'],
  });
  const [, port] = await waitForLine(child, 'stderr', /listening on (\d+)/);
  return { child, port: Number(port), startMs: performance.now() - began };
}

async function stop(child) {
  child.kill('SIGTERM');
  await new Promise((r) => (child.exitCode !== null || child.signalCode !== null ? r() : child.once('exit', r)));
}

async function load(port, seconds) {
  const url = `http://127.0.0.1:${port}/orders`;
  let count = 0;
  const end = performance.now() + seconds * 1000;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (performance.now() < end) {
        const res = await fetch(url);
        await res.arrayBuffer();
        count++;
      }
    }),
  );
  return count / seconds;
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const results = {};
for (const [name, variant] of Object.entries(variants)) {
  const starts = [];
  for (let i = 0; i < STARTS; i++) {
    const s = await startService(variant);
    starts.push(s.startMs);
    await stop(s.child);
  }
  results[name] = { startMs: median(starts), rates: [] };
}
// Load rounds interleave the variants, so that a noisy neighbour on a shared machine hits all of them alike.
for (let round = 0; round < ROUNDS; round++) {
  for (const [name, variant] of Object.entries(variants)) {
    const s = await startService(variant);
    await load(s.port, 1); // warm-up
    results[name].rates.push(await load(s.port, SECONDS));
    await stop(s.child);
  }
}
for (const r of Object.values(results)) r.rate = median(r.rates);
for (const [name, r] of Object.entries(results)) {
  console.log(
    `${name.padEnd(8)} start ${r.startMs.toFixed(0)} ms, ${r.rates.map((x) => x.toFixed(0)).join(' / ')} req/s`,
  );
}
collector.kill('SIGTERM');

const b = results.bare;
console.log('');
console.log(
  `| started | start-up to listening (median of ${STARTS}) | requests/s (${CONCURRENCY} concurrent, median of ${ROUNDS} × ${SECONDS} s) |`,
);
console.log('|---|---:|---:|');
for (const [name, r] of Object.entries(results)) {
  const label =
    name === 'bare'
      ? 'nothing (bare node:http)'
      : name === 'all'
        ? 'all four, `--import @otelkit/node/register`'
        : `@otelkit/${name} only`;
  const start =
    name === 'bare'
      ? `${r.startMs.toFixed(0)} ms`
      : `${r.startMs.toFixed(0)} ms (+${(r.startMs - b.startMs).toFixed(0)} ms)`;
  const rate = name === 'bare' ? `${r.rate.toFixed(0)}` : `${r.rate.toFixed(0)} (${(r.rate / b.rate).toFixed(2)}×)`;
  console.log(`| ${label} | ${start} | ${rate} |`);
}
