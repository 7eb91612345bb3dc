// The hello-world server of the tracing benchmark, set up as each contender documents it. CommonJS, so that
// require-in-the-middle based instrumentations see `require('node:http')` after their SDK started.
'use strict';

const variant = process.env.VARIANT;
let stop = async () => {};
// Exports what is queued (otelkit loads its gRPC exporter on the first export): called after the warm-up, so that the
// measured window is the steady state for every contender.
let flush = async () => {};

if (variant === 'bare-als') {
  // The floor of any tracer that keeps a context per request on Node 20: one AsyncLocalStorage, entered around each
  // request's handler (OpenTelemetry's context manager does exactly this, and its async hook then runs for every
  // async resource the request creates). Nothing else.
  const { AsyncLocalStorage } = require('node:async_hooks');
  const storage = new AsyncLocalStorage();
  const { Server } = require('node:http');
  const emit = Server.prototype.emit;
  Server.prototype.emit = function (...args) {
    if (args[0] !== 'request') return Reflect.apply(emit, this, args);
    return storage.run({ req: args[1] }, () => Reflect.apply(emit, this, args));
  };
} else if (variant === 'otelkit' || variant === 'otelkit-10pct' || variant === 'otelkit-0pct') {
  const { startTracing } = require('@otelkit/tracing');
  const tracing = startTracing();
  stop = () => tracing.shutdown();
  flush = () => tracing.forceFlush();
} else if (variant === 'sdk-http' || variant === 'sdk-auto') {
  const { NodeSDK } = require('@opentelemetry/sdk-node');
  const { OTLPTraceExporter } = require('@opentelemetry/exporter-trace-otlp-grpc');
  let instrumentations;
  if (variant === 'sdk-http') {
    const { HttpInstrumentation } = require('@opentelemetry/instrumentation-http');
    instrumentations = [new HttpInstrumentation()];
  } else {
    const { getNodeAutoInstrumentations } = require('@opentelemetry/auto-instrumentations-node');
    instrumentations = [getNodeAutoInstrumentations()];
  }
  const sdk = new NodeSDK({ traceExporter: new OTLPTraceExporter(), instrumentations });
  sdk.start();
  stop = () => sdk.shutdown();
} else if (variant === 'sentry') {
  const Sentry = require('@sentry/node');
  Sentry.init({ dsn: process.env.SENTRY_DSN, tracesSampleRate: 1 });
  stop = () => Sentry.close(2000);
} else if (variant !== 'bare') {
  throw new Error(`unknown variant ${variant}`);
}

const http = require('node:http');
const body = JSON.stringify({ hello: 'world' });
const server = http.createServer((_req, res) => {
  res.setHeader('content-type', 'application/json');
  res.end(body);
});

let mark = process.cpuUsage();
process.on('message', async (message) => {
  if (message === 'mark') {
    await flush().catch(() => {});
    mark = process.cpuUsage();
    process.send({ marked: true });
  } else if (message === 'cpu') {
    const d = process.cpuUsage(mark);
    process.send({ cpuMicros: d.user + d.system, rss: process.memoryUsage().rss });
  } else if (message === 'stop') {
    server.close();
    await stop().catch(() => {});
    process.exit(0);
  }
});
server.listen(0, '127.0.0.1', () => process.send({ port: server.address().port }));
