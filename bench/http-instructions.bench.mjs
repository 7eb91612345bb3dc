// Instructions per request of the HTTP benchmark servers, counted by valgrind's callgrind: a figure that does not move
// with what else the machine is doing, beside the req/s benchmarks (tracing-http, metrics-http) that do.
//
// Each server (the same files the req/s benchmarks run) is started under callgrind with V8 on one thread
// (`--single-threaded`, so compilation and GC are counted too) and served N1, then, in a second process, N2 keep-alive
// GET requests; (instructions(N2) - instructions(N1)) / (N2 - N1) removes start-up and warm-up. It counts user-space
// instructions only: the kernel's share (loopback TCP, writev) is the same for every server and is left out, so a
// ratio here is a lower bound on how close the servers' CPU per request are. Work that runs on a timer (export
// intervals, runtime metrics) is stretched by valgrind's slowdown and is not a per-request cost; those variants are
// left out or configured off.
//
// The window is requests 12,000→24,000: the first few thousand requests are mostly V8 compiling (parser, TurboFan),
// and a window of 1,000→3,000 counted bare at 298,598 instr/req against 54,896 for 6,000→10,000. At 10% the exporter
// loads (gRPC, protobuf) at its first export, near request 5,120: the 6,000→10,000 window, the default before,
// counted that too (10% at 99,178 instr/req without V8's compilers, against 72,386 unsampled).
//
// Not fully deterministic: V8 schedules some garbage collection by time (the memory reducer), so wall time still
// leaks into the count of a server that allocates a lot. Seen on 2026-11-23 (1,000→3,000): bare 292,535–297,767
// instr/req over six runs, but the metrics RED glue 303,738 / 329,184 / 371,100 over three. A sampled variant also
// counts its exporter's lazy load and first exports wherever they fall: at 10% the first export comes at the ~5,120th
// request, and one 14,000→20,000 run counted 10% below unsampled (60,585 against 69,127). Repeat a figure before
// trusting a difference of less than ~25% for an allocating server.
//
// A second figure leaves out what V8's compilers (TurboFan, Maglev, Sparkplug) executed, read per function with
// `callgrind_annotate`. Code that runs only for some requests reaches V8's optimization thresholds later, so its
// compiling falls inside the window. One run on 2026-11-24: unsampled 71,782 instr/req (71,608 without the
// compilers), 10% 109,651 (87,824), 100% 144,914 (133,175). In the req/s benchmarks that compiling is over before the
// clock starts. A later window is the steady state for the sampled variants: 50,000→80,000 on 2026-11-24 (pass
// `50000 80000`; several minutes per variant) counted unsampled 66,462, 10% 72,024 and 100% 121,723 instr/req, so 10%
// was linear between the two (71,988).
//   node http-instructions.bench.mjs [n1] [n2]        (12000 24000; needs valgrind; prints a note and exits 0 without it)
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startDiscardOtlp } from './lib/discard-receivers.mjs';

const N1 = Number(process.argv[2] ?? 12000);
const N2 = Number(process.argv[3] ?? 24000);
const here = (p) => fileURLToPath(new URL(p, import.meta.url));

if (spawnSync('valgrind', ['--version']).status !== 0) {
  console.log('valgrind is not installed: skipped (apt-get install valgrind)');
  process.exit(0);
}

const otlp = await startDiscardOtlp();
const tracingServer = here('./lib/tracing-http-server.cjs');
const metricsServer = here('./lib/metrics-http-server.mjs');
const exporterEnv = { OTEL_EXPORTER_OTLP_ENDPOINT: otlp.url, OTEL_BSP_SCHEDULE_DELAY: '60000' };
const groups = [
  {
    title: 'Tracing (tracing-http-server.cjs)',
    variants: [
      { name: 'bare', file: tracingServer, env: { VARIANT: 'bare' } },
      // The floor of any tracer that keeps a context per request (see tracing-http-server.cjs).
      { name: 'bare + AsyncLocalStorage', file: tracingServer, env: { VARIANT: 'bare-als' } },
      {
        name: 'otelkit, unsampled',
        file: tracingServer,
        env: { VARIANT: 'otelkit', OTEL_TRACES_SAMPLER: 'always_off' },
      },
      {
        name: 'otelkit, 10%',
        file: tracingServer,
        env: { VARIANT: 'otelkit', OTEL_TRACES_SAMPLER: 'parentbased_traceidratio', OTEL_TRACES_SAMPLER_ARG: '0.1' },
      },
      { name: 'otelkit, 100%', file: tracingServer, env: { VARIANT: 'otelkit' } },
      { name: 'sdk-node + http, 100%', file: tracingServer, env: { VARIANT: 'sdk-http' } },
    ],
  },
  {
    title: 'Metrics (metrics-http-server.mjs, runtime metrics off: they run on a timer)',
    variants: [
      { name: 'bare', file: metricsServer, env: { VARIANT: 'bare' } },
      { name: 'otelkit RED glue', file: metricsServer, env: { VARIANT: 'otelkit-no-runtime' } },
      { name: 'prom-client middleware', file: metricsServer, env: { VARIANT: 'prom-client' } },
    ],
  },
];

/** Runs `file` under callgrind, serves `n` requests, returns the instructions the server process executed. */
async function instructions(file, env, n, dir) {
  const out = join(dir, `callgrind.${n}.out`);
  const child = spawn(
    'valgrind',
    [
      '--tool=callgrind',
      `--callgrind-out-file=${out}`,
      '--smc-check=all-non-file',
      process.execPath,
      '--single-threaded',
      here('./lib/standalone-server.mjs'),
      file,
    ],
    { env: { ...process.env, ...exporterEnv, ...env }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let stderr = '';
  child.stderr.on('data', (d) => {
    stderr += d;
  });
  const port = await new Promise((resolve, reject) => {
    let text = '';
    child.stdout.on('data', (d) => {
      text += d;
      const m = /PORT (\d+)/.exec(text);
      if (m) resolve(Number(m[1]));
    });
    child.once('exit', (code) =>
      reject(new Error(`server exited (${code}) before listening:\n${stderr.slice(-2000)}`)),
    );
  });
  await load(port, n);
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGINT');
  await exited;
  const summary = /^summary: (\d+)/m.exec(readFileSync(out, 'utf8'));
  if (!summary) throw new Error(`no callgrind summary in ${out}`);
  return { total: Number(summary[1]), compile: compilerInstructions(out) };
}

/** What V8's compilers executed in a run: the self cost of every function in their namespaces. */
function compilerInstructions(out) {
  const annotated = spawnSync('callgrind_annotate', ['--threshold=100', out], {
    encoding: 'utf8',
    maxBuffer: 256 * 1024 * 1024,
  });
  if (annotated.status !== 0) throw new Error(`callgrind_annotate failed: ${annotated.stderr.slice(-500)}`);
  let sum = 0;
  for (const line of annotated.stdout.split('\n')) {
    const m = /^\s*([\d,]+) \([\s\d.]+%\)\s+\S*v8::internal::(?:compiler|maglev|baseline)::/.exec(line);
    if (m) sum += Number(m[1].replaceAll(',', ''));
  }
  return sum;
}

/**
 * `n` keep-alive GETs over 4 sockets, like a small load generator. Under valgrind a server can stall for many seconds
 * (the exporter's first load of gRPC and protobuf), long enough for Node's connection checks to reset idle keep-alive
 * sockets: a reset request is sent again on a new socket (at most 50 times; the figure then counts a few requests
 * twice, which is noise next to the 4,000 of the window).
 */
function load(port, n) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 4 });
  let started = 0;
  let done = 0;
  let resets = 0;
  return new Promise((resolve, reject) => {
    const failed = (error) => {
      if (++resets > 50) {
        agent.destroy();
        reject(error);
        return;
      }
      started--;
      next();
    };
    const next = () => {
      while (started - done < 4 && started < n) {
        started++;
        http
          .get({ host: '127.0.0.1', port, path: '/', agent }, (res) => {
            res.on('error', failed);
            res.resume();
            res.on('end', () => {
              done++;
              if (done === n) {
                agent.destroy();
                resolve();
              } else next();
            });
          })
          .on('error', failed);
      }
    };
    next();
  });
}

console.log(`user-space instructions per request, callgrind, (I(${N2}) - I(${N1})) / ${N2 - N1} requests`);
for (const group of groups) {
  console.log(`\n${group.title}`);
  let bare;
  let bareCompiled;
  for (const v of group.variants) {
    // ONLY=<text>: just the variants whose name contains it (and bare, the baseline).
    if (process.env.ONLY && v.name !== 'bare' && !v.name.includes(process.env.ONLY)) continue;
    const dir = mkdtempSync(join(tmpdir(), 'otelkit-callgrind-'));
    try {
      // The two sizes run side by side: the counts do not depend on timing.
      const [a, b] = await Promise.all([instructions(v.file, v.env, N1, dir), instructions(v.file, v.env, N2, dir)]);
      const perRequest = (b.total - a.total) / (N2 - N1);
      const compiling = (b.compile - a.compile) / (N2 - N1);
      bare ??= perRequest;
      bareCompiled ??= perRequest - compiling;
      const ratio = bare / perRequest;
      console.log(
        `  ${v.name.padEnd(26)} ${Math.round(perRequest).toLocaleString('en-US').padStart(10)} instr/req  ` +
          `${(perRequest / bare).toFixed(2)}x bare's instructions  (${ratio.toFixed(2)}x bare's rate);  ` +
          `without V8's compilers ${Math.round(perRequest - compiling).toLocaleString('en-US')} ` +
          `(${((perRequest - compiling) / bareCompiled).toFixed(2)}x)`,
      );
    } catch (error) {
      console.log(`  ${v.name.padEnd(24)} failed: ${error.message.split('\n')[0]}`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
}
await otlp.stop();
