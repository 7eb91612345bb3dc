// Span cost: start + 5 attributes + end through @otelkit/tracing's withSpan, vs the same on a bare SDK tracer
// provider (NodeTracerProvider + BatchSpanProcessor). Both export to an exporter that discards, so the figure includes
// each pipeline's per-span work up to export (otelkit's redaction before export included).
// Target (issue 5): withSpan costs <= 1.15x the bare SDK. The variants take turns for ROUNDS rounds and the median
// per variant is reported (single rounds move by 10-20 % on a shared machine; the median of many does not).

import { BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { startTracing, withSpan } from '@otelkit/tracing';
import { printRatios } from './lib/report.mjs';
import { median } from './lib/stats.mjs';

const SPANS = 100_000;
const CHUNK = 500; // then yield, so the batch processors export instead of filling their queues and dropping
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 15);

const discard = { export: (_spans, done) => done({ code: 0 }), shutdown: async () => {}, forceFlush: async () => {} };
const tracing = startTracing({ exporter: discard, instrumentations: [], exitHandlers: false });
const bare = new NodeTracerProvider({ spanProcessors: [new BatchSpanProcessor(discard)] }).getTracer('bench');

const setFive = (span) => {
  span.setAttribute('payment.method', 'credit_card');
  span.setAttribute('payment.amount', 149.99);
  span.setAttribute('payment.currency', 'USD');
  span.setAttribute('merchant.id', 'merchant-789');
  span.setAttribute('payment.attempt', 1);
};

const variants = {
  'bare SDK startSpan': () => {
    const span = bare.startSpan('charge');
    setFive(span);
    span.end();
  },
  'bare SDK startActiveSpan': () =>
    bare.startActiveSpan('charge', (span) => {
      setFive(span);
      span.end();
    }),
  'otelkit withSpan': () => withSpan('charge', setFive),
  // The same span on otelkit's tracer without making it active: otelkit's pipeline (ids, queue, redaction) alone.
  'otelkit tracer startSpan': () => {
    const span = tracing.tracer.startSpan('charge');
    setFive(span);
    span.end();
  },
};

async function time(fn) {
  const t0 = process.hrtime.bigint();
  for (let done = 0; done < SPANS; done += CHUNK) {
    for (let i = 0; i < CHUNK; i++) fn();
    await new Promise(setImmediate);
  }
  return Number(process.hrtime.bigint() - t0) / SPANS; // ns per span
}

const times = Object.fromEntries(Object.keys(variants).map((k) => [k, []]));
for (let round = 0; round < ROUNDS; round++) {
  for (const [name, fn] of Object.entries(variants)) {
    globalThis.gc?.();
    times[name].push(await time(fn));
  }
}
await tracing.shutdown();
const best = Object.fromEntries(Object.entries(times).map(([name, xs]) => [name, median(xs)]));

const rows = Object.entries(best).map(([name, ns]) => ({
  name,
  hz: 1e9 / ns,
  unit: `spans/s (${(ns / 1000).toFixed(2)} µs/span)`,
}));
printRatios(
  `Span cost: start + 5 attributes + end, median of ${ROUNDS} rounds of ${SPANS} (higher is better)`,
  rows,
  'bare SDK startSpan',
);
const cost = best['otelkit withSpan'] / best['bare SDK startSpan'];
const costActive = best['otelkit withSpan'] / best['bare SDK startActiveSpan'];
console.log(
  `\nwithSpan costs ${cost.toFixed(2)}x the bare SDK's startSpan (${costActive.toFixed(2)}x its startActiveSpan, which also makes the span active as withSpan does); target <= 1.15x`,
);
