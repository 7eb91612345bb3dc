// node:http JSON hello-world under autocannon on loopback, each server in a child process of its own: bare vs the
// @otelkit/metrics RED glue (http.server.request.duration + active requests; with and without runtime metrics) vs a
// hand-written prom-client middleware.
//
// autocannon shares the machine's cores with the servers (and, here, with other people's work), so one run's
// throughput says little. All servers start once and stay up; the load then visits them in short slices, in an order
// that alternates every round (A B C, C B A, ...), so drift hits every variant alike. Each round gives each variant's
// throughput relative to bare *in that round*, and the server's own CPU time per request (process.cpuUsage, user +
// system, read before and after the slice); the summary is the median over rounds.
//
// CPU per request falls as throughput rises (more requests per event-loop turn and per syscall), so a server that
// got a busier slice looks cheaper. Each round therefore also drives every server at the same fixed rate
// (BENCH_RATE req/s, below what any of them saturates at) and reads its CPU per request there: at equal load the
// difference to bare is the work the instrumentation adds.
// Target (issue 6): otelkit >= 0.95x bare.
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';

const SLICE_S = Number(process.env.BENCH_DURATION_S ?? 2);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 9);
const WARMUP_S = 2;
const CONNECTIONS = 16;
const RATE = Number(process.env.BENCH_RATE ?? 4000);
const serverFile = fileURLToPath(new URL('./lib/metrics-http-server.mjs', import.meta.url));
// bare+1 is a calibration row: bare plus 1 µs of busy JavaScript per request.
const variants = (process.env.BENCH_VARIANTS ?? 'bare,otelkit,otelkit-no-runtime,prom-client,bare+1').split(',');

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

const load = (port, seconds, overallRate) =>
  autocannon({
    url: `http://127.0.0.1:${port}/`,
    connections: CONNECTIONS,
    duration: seconds,
    ...(overallRate ? { overallRate } : {}),
  });

async function slice(s, overallRate) {
  await request(s.child, 'mark', 'marked');
  const result = await load(s.port, SLICE_S, overallRate);
  const { cpuMicros } = await request(s.child, 'cpu', 'cpuMicros');
  return {
    rps: result.requests.total / SLICE_S,
    cpuPerReq: cpuMicros / Math.max(1, result.requests.total),
    p99: result.latency.p99,
    errors: result.errors + result.non2xx,
  };
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

const servers = [];
for (const name of variants) {
  const child = fork(serverFile, [], {
    env: { ...process.env, VARIANT: name, OTEL_SERVICE_NAME: `bench-${name}` },
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
  const { port } = await new Promise((resolve) => child.once('message', resolve));
  servers.push({ name, child, port, rounds: [], fixed: [] });
}
for (const s of servers) await load(s.port, WARMUP_S);

for (let round = 0; round < ROUNDS; round++) {
  const order = round % 2 === 0 ? servers : [...servers].reverse();
  for (const s of order) s.rounds.push(await slice(s));
  for (const s of order) s.fixed.push(await slice(s, RATE));
}
for (const s of servers) {
  s.child.send('stop');
  await new Promise((resolve) => (s.child.exitCode === null ? s.child.once('exit', resolve) : resolve()));
}

const bare = servers[0];
const rows = servers.map((s) => {
  const ratios = s.rounds.map((r, i) => r.rps / bare.rounds[i].rps);
  const extraCpu = s.rounds.map((r, i) => r.cpuPerReq - bare.rounds[i].cpuPerReq);
  const extraFixed = s.fixed.map((r, i) => r.cpuPerReq - bare.fixed[i].cpuPerReq);
  return {
    name: s.name,
    rps: median(s.rounds.map((r) => r.rps)),
    ratio: median(ratios),
    ratioMin: Math.min(...ratios),
    ratioMax: Math.max(...ratios),
    cpuPerReq: median(s.rounds.map((r) => r.cpuPerReq)),
    extraCpu: median(extraCpu),
    fixedCpu: median(s.fixed.map((r) => r.cpuPerReq)),
    extraFixed: median(extraFixed),
    fixedRps: median(s.fixed.map((r) => r.rps)),
    p99: Math.max(...s.rounds.map((r) => r.p99)),
    errors: [...s.rounds, ...s.fixed].reduce((n, r) => n + r.errors, 0),
  };
});
console.log(
  `\nnode:http hello world, ${CONNECTIONS} connections, ${ROUNDS} alternating rounds of ${SLICE_S}s per server; medians over rounds` +
    ' (ratio = req/s relative to bare in the same round; cpu = server CPU per request, user + system)',
);
const sign = (x) => `${x >= 0 ? '+' : ''}${x.toFixed(1)}`;
const w = Math.max(...rows.map((r) => r.name.length));
for (const r of rows) {
  console.log(
    `  ${r.name.padEnd(w)}  ${Math.round(r.rps).toLocaleString('en-US').padStart(7)} req/s  ${r.ratio.toFixed(2)}x bare` +
      ` (rounds ${r.ratioMin.toFixed(2)}–${r.ratioMax.toFixed(2)})  cpu ${r.cpuPerReq.toFixed(1).padStart(5)} µs/req` +
      ` (${sign(r.extraCpu)} vs bare)  p99 ${String(r.p99).padStart(3)} ms` +
      `${r.errors ? `  errors ${r.errors}` : ''}`,
  );
}
console.log(`\nat a fixed ${RATE} req/s (same load for every server): server CPU per request, medians over rounds`);
for (const r of rows) {
  console.log(
    `  ${r.name.padEnd(w)}  ${Math.round(r.fixedRps).toLocaleString('en-US').padStart(7)} req/s  cpu ${r.fixedCpu.toFixed(1).padStart(5)} µs/req (${sign(r.extraFixed)} vs bare)`,
  );
}
console.log('\nper round, saturating (req/s | cpu µs/req) and fixed rate (cpu µs/req):');
for (const s of servers) {
  console.log(
    `  ${s.name.padEnd(w)}  ${s.rounds.map((r) => `${Math.round(r.rps)}|${r.cpuPerReq.toFixed(1)}`).join('  ')}   fixed ${s.fixed.map((r) => r.cpuPerReq.toFixed(1)).join(' ')}`,
  );
}
const ok = rows.find((r) => r.name === 'otelkit');
if (ok) {
  console.log(
    `\notelkit RED glue (runtime metrics on): ${ok.ratio.toFixed(2)}x bare throughput (median of ${ROUNDS} rounds), ` +
      `${sign(ok.extraFixed)} µs server CPU per request at ${RATE} req/s (${sign(ok.extraCpu)} saturated) (target >= 0.95x)`,
  );
}
