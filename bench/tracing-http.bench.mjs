// node:http JSON hello-world under autocannon on loopback, each server in its own child process:
// bare vs @otelkit/tracing (100%, 10% and 0% sampled) vs sdk-node + instrumentation-http vs sdk-node +
// auto-instrumentations-node defaults vs @sentry/node (tracesSampleRate 1). Every traced server exports to a
// discarding receiver (OTLP/gRPC, or HTTP for Sentry envelopes).
// Targets (issue 5): otelkit >= 0.5x bare at 100% sampling and >= 0.85x with a 10% ratio sampler.
// The servers take turns, round after round, and every ratio is taken against the bare server of the same round, then
// the median over rounds is reported: on a shared machine the load from elsewhere changes from one minute to the next,
// and a ratio of two neighbouring runs is steadier than either figure. Two figures per server: req/s (what autocannon
// got; it shares the cores with the server) and CPU per request of the server process (user + system time / requests),
// the steadier one — "capacity" is bare's CPU per request over the server's, the throughput a CPU-bound server would
// reach relative to bare.
// Pinning (as in metrics-http): this process — autocannon and the discarding receivers — runs on one CPU and each
// server on the other (`taskset`), so that the server under test does not trade cores with its load generator.
// BENCH_PIN=0 (do not pin)  BENCH_CPUS=<client>,<server> (0,1)
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { startDiscardHttp, startDiscardOtlp } from './lib/discard-receivers.mjs';
import { pin, pinClient } from './lib/pin-cpu.mjs';
import { median } from './lib/stats.mjs';

const DURATION_S = Number(process.env.BENCH_DURATION_S ?? 3);
const WARMUP_S = 1;
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const CONNECTIONS = 16;
const serverFile = fileURLToPath(new URL('./lib/tracing-http-server.cjs', import.meta.url));

const { pinned, clientCpu, serverCpu } = pinClient();

const otlp = await startDiscardOtlp();
const sentryIntake = await startDiscardHttp();

const variants = [
  { name: 'bare', env: {} },
  // The floor of context propagation on Node 20 (see lib/tracing-http-server.cjs): what no tracer can go below.
  { name: 'bare-als', env: {} },
  { name: 'otelkit', env: {} },
  { name: 'otelkit-10pct', env: { OTEL_TRACES_SAMPLER: 'parentbased_traceidratio', OTEL_TRACES_SAMPLER_ARG: '0.1' } },
  // The unsampled path alone: every request extracted, decided, given a context — and none recorded.
  { name: 'otelkit-0pct', env: { OTEL_TRACES_SAMPLER: 'always_off' } },
  { name: 'sdk-http', env: {} },
  { name: 'sdk-auto', env: {} },
  { name: 'sentry', env: { SENTRY_DSN: sentryIntake.dsn } },
];

/** The server's first message that has `key`; an error if it exits first (a server that crashes must not hang the run). */
function reply(child, key) {
  return new Promise((resolve, reject) => {
    const done = () => {
      child.off('message', on);
      child.off('exit', exit);
    };
    const on = (m) => {
      if (m && key in m) {
        done();
        resolve(m);
      }
    };
    const exit = (code, signal) => {
      done();
      reject(new Error(`server ${child.variant} exited (${signal ?? code}) before its '${key}' message`));
    };
    child.on('message', on);
    child.on('exit', exit);
  });
}

function request(child, message, key) {
  const answer = reply(child, key);
  child.send(message);
  return answer;
}

function load(port, seconds) {
  return autocannon({ url: `http://127.0.0.1:${port}/`, connections: CONNECTIONS, duration: seconds });
}

async function measure(v) {
  const child = fork(serverFile, [], {
    env: {
      ...process.env,
      VARIANT: v.name,
      OTEL_SERVICE_NAME: `bench-${v.name}`,
      OTEL_EXPORTER_OTLP_ENDPOINT: otlp.url,
      OTEL_METRICS_EXPORTER: 'none',
      OTEL_LOGS_EXPORTER: 'none',
      OTEL_NODE_RESOURCE_DETECTORS: 'none',
      ...v.env,
    },
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
  child.variant = v.name;
  if (pinned) pin(child.pid, serverCpu);
  const { port } = await reply(child, 'port');
  await load(port, WARMUP_S);
  // The server exports what the warm-up queued (loading its exporter if it loads it lazily), then starts counting.
  await request(child, 'mark', 'marked');
  const result = await load(port, DURATION_S);
  const { cpuMicros, rss } = await request(child, 'cpu', 'cpuMicros');
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.send('stop');
  await exited;
  return {
    rps: result.requests.average,
    p99: result.latency.p99,
    cpuPerReq: cpuMicros / Math.max(1, result.requests.total),
    rssMb: rss / 1024 / 1024,
    errors: result.errors + result.non2xx,
  };
}

// `BENCH_VARIANTS=bare,otelkit` runs a subset (bare is always included: every ratio is relative to it).
const only = process.env.BENCH_VARIANTS?.split(',');
const chosen = variants.filter((x) => !only || x.name === 'bare' || only.includes(x.name));
const runs = new Map(chosen.map((v) => [v.name, []]));
for (let round = 0; round < ROUNDS; round++) {
  let bare;
  for (const v of chosen) {
    const r = await measure(v);
    if (v.name === 'bare') bare = r;
    r.ratio = r.rps / bare.rps;
    r.capacity = bare.cpuPerReq / r.cpuPerReq;
    runs.get(v.name).push(r);
  }
}
await otlp.stop();
await sentryIntake.stop();

const range = (xs, digits) => {
  const lo = Math.min(...xs);
  const hi = Math.max(...xs);
  return lo.toFixed(digits) === hi.toFixed(digits) ? lo.toFixed(digits) : `${lo.toFixed(digits)}–${hi.toFixed(digits)}`;
};
console.log(
  `\nnode:http hello world, ${CONNECTIONS} connections, ${ROUNDS} interleaved rounds of ${DURATION_S}s per server; ` +
    `medians over rounds, [range] (higher req/s and capacity are better)${pinned ? `; load on CPU ${clientCpu}, servers on CPU ${serverCpu}` : '; not pinned'}`,
);
const w = Math.max(...chosen.map((v) => v.name.length));
const summary = new Map();
for (const v of chosen) {
  const rs = runs.get(v.name);
  const pick = (k) => rs.map((r) => r[k]);
  const row = {
    rps: median(pick('rps')),
    ratio: median(pick('ratio')),
    cpuPerReq: median(pick('cpuPerReq')),
    capacity: median(pick('capacity')),
  };
  summary.set(v.name, row);
  const errors = rs.reduce((n, r) => n + r.errors, 0);
  console.log(
    `  ${v.name.padEnd(w)}  ${Math.round(row.rps).toLocaleString('en-US').padStart(7)} req/s  ${row.ratio.toFixed(2)}x bare [${range(pick('ratio'), 2)}]` +
      `  cpu ${row.cpuPerReq.toFixed(0).padStart(4)} µs/req [${range(pick('cpuPerReq'), 0)}]  capacity ${row.capacity.toFixed(2)}x bare [${range(pick('capacity'), 2)}]` +
      `  p99 ${median(pick('p99'))} ms  rss ${median(pick('rssMb')).toFixed(0)} MB${errors ? `  errors ${errors}` : ''}`,
  );
}
const ok = summary.get('otelkit');
const ok10 = summary.get('otelkit-10pct');
if (ok && ok10) {
  console.log(
    `\notelkit 100%: ${ok.ratio.toFixed(2)}x bare req/s, capacity ${ok.capacity.toFixed(2)}x (target >= 0.5x); ` +
      `10%: ${ok10.ratio.toFixed(2)}x bare req/s, capacity ${ok10.capacity.toFixed(2)}x (target >= 0.85x)`,
  );
}
const floor = summary.get('bare-als');
if (floor) {
  console.log(
    `floor (bare + one AsyncLocalStorage.run per request): ${floor.ratio.toFixed(2)}x bare req/s, capacity ${floor.capacity.toFixed(2)}x`,
  );
}
