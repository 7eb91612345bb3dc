// Start-up cost: wall time of `node` running import + start + shutdown of each tracing setup, minus `node -e 0`.
// Target (issue 5): @otelkit/tracing adds <= 90 ms. Each setup runs RUNS times in fresh processes; medians reported.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startDiscardHttp, startDiscardOtlp } from './lib/discard-receivers.mjs';
import { median } from './lib/stats.mjs';

const RUNS = Number(process.env.BENCH_RUNS ?? 9);
const here = fileURLToPath(new URL('.', import.meta.url));
const otlp = await startDiscardOtlp();
const intake = await startDiscardHttp();

// Scripts live in this folder (so they resolve the bench package's dependencies); CommonJS, as most services are.
const scripts = {
  'node -e 0': null,
  otelkit: `const { startTracing } = require('@otelkit/tracing');
const t = startTracing(); t.shutdown().then(() => process.exit(0));`,
  'otelkit + 1 span exported': `const { startTracing, withSpan } = require('@otelkit/tracing');
const t = startTracing(); withSpan('one', () => 1); t.shutdown().then(() => process.exit(0));`,
  'sdk-node + http': `const { NodeSDK } = require('@opentelemetry/sdk-node');
const { OTLPTraceExporter } = require('@opentelemetry/exporter-trace-otlp-grpc');
const { HttpInstrumentation } = require('@opentelemetry/instrumentation-http');
const sdk = new NodeSDK({ traceExporter: new OTLPTraceExporter(), instrumentations: [new HttpInstrumentation()] });
sdk.start(); sdk.shutdown().then(() => process.exit(0));`,
  'sdk-node + auto-instrumentations': `const { NodeSDK } = require('@opentelemetry/sdk-node');
const { OTLPTraceExporter } = require('@opentelemetry/exporter-trace-otlp-grpc');
const { getNodeAutoInstrumentations } = require('@opentelemetry/auto-instrumentations-node');
const sdk = new NodeSDK({ traceExporter: new OTLPTraceExporter(), instrumentations: [getNodeAutoInstrumentations()] });
sdk.start(); sdk.shutdown().then(() => process.exit(0));`,
  '@sentry/node': `const Sentry = require('@sentry/node');
Sentry.init({ dsn: process.env.SENTRY_DSN, tracesSampleRate: 1 }); Sentry.close(2000).then(() => process.exit(0));`,
};

const dir = mkdtempSync(join(here, '.startup-'));
const env = {
  ...process.env,
  OTEL_EXPORTER_OTLP_ENDPOINT: otlp.url,
  SENTRY_DSN: intake.dsn,
  OTEL_METRICS_EXPORTER: 'none',
  OTEL_LOGS_EXPORTER: 'none',
};
const results = [];
try {
  for (const [name, source] of Object.entries(scripts)) {
    let args = ['-e', '0'];
    if (source !== null) {
      const file = join(dir, `${name.replace(/\W+/g, '-')}.cjs`);
      writeFileSync(file, source);
      args = [file];
    }
    const times = [];
    for (let i = 0; i < RUNS; i++) {
      const t0 = process.hrtime.bigint();
      // The receivers answer from this process's event loop, so the child is spawned asynchronously.
      const r = await new Promise((resolve) => {
        const child = spawn(process.execPath, args, { cwd: here, env, stdio: ['ignore', 'ignore', 'pipe'] });
        let err = '';
        child.stderr.on('data', (d) => {
          err += d;
        });
        child.on('exit', (code) => resolve({ code, err }));
      });
      const ms = Number(process.hrtime.bigint() - t0) / 1e6;
      if (r.code !== 0) throw new Error(`${name} failed (${r.code}): ${r.err}`);
      times.push(ms);
    }
    results.push({ name, ms: median(times) });
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
  await otlp.stop();
  await intake.stop();
}
const base = results[0].ms;
console.log(`\nStart-up: import + start + shutdown, median of ${RUNS} fresh processes (lower is better)`);
const w = Math.max(...results.map((r) => r.name.length));
for (const r of results) {
  console.log(
    `  ${r.name.padEnd(w)}  ${r.ms.toFixed(0).padStart(5)} ms  adds ${(r.ms - base).toFixed(0).padStart(4)} ms`,
  );
}
const ok = results.find((r) => r.name === 'otelkit');
console.log(`\n@otelkit/tracing adds ${(ok.ms - base).toFixed(0)} ms to node start-up (target <= 90 ms)`);
