// Receivers that accept telemetry and throw it away: an OTLP/gRPC TraceService and an HTTP endpoint (Sentry envelopes).
import { createServer } from 'node:http';
import * as grpc from '@grpc/grpc-js';

/** Starts an OTLP/gRPC receiver that answers every Export with an empty success. Counts requests and bytes. */
export async function startDiscardOtlp() {
  const server = new grpc.Server({ 'grpc.max_receive_message_length': 64 * 1024 * 1024 });
  const stats = { requests: 0, bytes: 0 };
  const identity = (b) => b;
  const definition = (path) => ({
    Export: {
      path,
      requestStream: false,
      responseStream: false,
      requestSerialize: identity,
      requestDeserialize: identity,
      responseSerialize: identity,
      responseDeserialize: identity,
    },
  });
  const handler = {
    Export: (call, callback) => {
      stats.requests++;
      stats.bytes += call.request.length;
      callback(null, Buffer.alloc(0));
    },
  };
  for (const signal of ['trace.v1.TraceService', 'metrics.v1.MetricsService', 'logs.v1.LogsService']) {
    const [pkg, svc] = signal.split('.v1.');
    server.addService(definition(`/opentelemetry.proto.collector.${pkg}.v1.${svc}/Export`), handler);
  }
  const port = await new Promise((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (e, p) => (e ? reject(e) : resolve(p))),
  );
  return { url: `http://127.0.0.1:${port}`, stats, stop: () => new Promise((r) => server.tryShutdown(r)) };
}

/** Starts an HTTP server that answers every request 200 after reading the body (a Sentry DSN can point at it). */
export async function startDiscardHttp() {
  const stats = { requests: 0 };
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      stats.requests++;
      res.end('{}');
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = server.address().port;
  return { dsn: `http://public@127.0.0.1:${port}/1`, stats, stop: () => new Promise((r) => server.close(r)) };
}
