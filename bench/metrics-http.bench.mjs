// node:http JSON hello-world under autocannon on loopback, each server in its own child process: bare vs the
// @otelkit/metrics RED glue (http.server.request.duration + active requests, runtime metrics on) vs a hand-written
// prom-client middleware. Servers run in alternating rounds so machine drift hits every variant alike.
// Target (issue 6): otelkit >= 0.95x bare.
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';

const DURATION_S = Number(process.env.BENCH_DURATION_S ?? 5);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 2);
const WARMUP_S = 1;
const CONNECTIONS = 16;
const serverFile = fileURLToPath(new URL('./lib/metrics-http-server.mjs', import.meta.url));
const variants = ['bare', 'otelkit', 'prom-client'];

function request(child, message, key) {
  return new Promise((resolve) => {
    const on = (m) => {
      if (m && key in m) {
        child.off('message', on);
        resolve(m);
      }
    };
    child.on('message', on);
    child.send(message);
  });
}

const load = (port, seconds) =>
  autocannon({ url: `http://127.0.0.1:${port}/`, connections: CONNECTIONS, duration: seconds });

const totals = Object.fromEntries(
  variants.map((v) => [v, { requests: 0, seconds: 0, cpuMicros: 0, errors: 0, p99: [] }]),
);
for (let round = 0; round < ROUNDS; round++) {
  for (const name of round % 2 === 0 ? variants : [...variants].reverse()) {
    const child = fork(serverFile, [], {
      env: { ...process.env, VARIANT: name, OTEL_SERVICE_NAME: `bench-${name}` },
      stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
    });
    const { port } = await new Promise((resolve) => child.once('message', resolve));
    await load(port, WARMUP_S);
    await request(child, 'mark', 'marked');
    const result = await load(port, DURATION_S);
    const { cpuMicros } = await request(child, 'cpu', 'cpuMicros');
    child.send('stop');
    await new Promise((resolve) => (child.exitCode === null ? child.once('exit', resolve) : resolve()));
    const t = totals[name];
    t.requests += result.requests.total;
    t.seconds += DURATION_S;
    t.cpuMicros += cpuMicros;
    t.errors += result.errors + result.non2xx;
    t.p99.push(result.latency.p99);
  }
}

const rows = variants.map((name) => {
  const t = totals[name];
  return {
    name,
    rps: t.requests / t.seconds,
    cpuPerReq: t.cpuMicros / Math.max(1, t.requests),
    p99: Math.max(...t.p99),
    errors: t.errors,
  };
});
const bare = rows[0];
console.log(
  `\nnode:http hello world, ${CONNECTIONS} connections, ${ROUNDS}x${DURATION_S}s per server (higher req/s is better)`,
);
const w = Math.max(...rows.map((r) => r.name.length));
for (const r of rows) {
  console.log(
    `  ${r.name.padEnd(w)}  ${Math.round(r.rps).toLocaleString('en-US').padStart(8)} req/s  ${(r.rps / bare.rps).toFixed(2)}x bare` +
      `  p99 ${String(r.p99).padStart(3)} ms  cpu ${r.cpuPerReq.toFixed(1).padStart(5)} µs/req (${(r.cpuPerReq / bare.cpuPerReq).toFixed(2)}x)` +
      `${r.errors ? `  errors ${r.errors}` : ''}`,
  );
}
const ok = rows.find((r) => r.name === 'otelkit');
console.log(
  `\notelkit RED glue: ${(ok.rps / bare.rps).toFixed(2)}x bare throughput, ${(ok.cpuPerReq - bare.cpuPerReq).toFixed(1)} µs CPU per request (target >= 0.95x)`,
);
