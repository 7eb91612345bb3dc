import { type Context, context, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { SeverityNumber } from '@opentelemetry/api-logs';
import { OTLPLogExporter as GrpcLogExporter } from '@opentelemetry/exporter-logs-otlp-grpc';
import { OTLPLogExporter as HttpLogExporter } from '@opentelemetry/exporter-logs-otlp-http';
import { OTLPLogExporter as ProtoLogExporter } from '@opentelemetry/exporter-logs-otlp-proto';
import { OTLPMetricExporter as GrpcMetricExporter } from '@opentelemetry/exporter-metrics-otlp-grpc';
import { OTLPMetricExporter as HttpMetricExporter } from '@opentelemetry/exporter-metrics-otlp-http';
import { OTLPMetricExporter as ProtoMetricExporter } from '@opentelemetry/exporter-metrics-otlp-proto';
import { OTLPTraceExporter as GrpcTraceExporter } from '@opentelemetry/exporter-trace-otlp-grpc';
import { OTLPTraceExporter as HttpTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPTraceExporter as ProtoTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { LoggerProvider, SimpleLogRecordProcessor } from '@opentelemetry/sdk-logs';
import { AggregationTemporality, MeterProvider, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import { BasicTracerProvider, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import type { Collector } from '../../src/index.js';

/** The three OTLP transports of the OpenTelemetry JS exporters. */
export type Protocol = 'grpc' | 'http/protobuf' | 'http/json';

export const PROTOCOLS: Protocol[] = ['grpc', 'http/protobuf', 'http/json'];

function exporters(protocol: Protocol, collector: Collector) {
  const base = collector.otlpHttpUrl;
  if (protocol === 'grpc') {
    const url = collector.otlpGrpcUrl;
    return {
      traces: new GrpcTraceExporter({ url }),
      metrics: new GrpcMetricExporter({ url, temporalityPreference: AggregationTemporality.CUMULATIVE }),
      logs: new GrpcLogExporter({ url }),
    };
  }
  if (protocol === 'http/protobuf') {
    return {
      traces: new ProtoTraceExporter({ url: `${base}/v1/traces` }),
      metrics: new ProtoMetricExporter({ url: `${base}/v1/metrics` }),
      logs: new ProtoLogExporter({ url: `${base}/v1/logs` }),
    };
  }
  return {
    traces: new HttpTraceExporter({ url: `${base}/v1/traces` }),
    metrics: new HttpMetricExporter({ url: `${base}/v1/metrics` }),
    logs: new HttpLogExporter({ url: `${base}/v1/logs` }),
  };
}

/** What one scenario sent, to compare with what the collector returns. */
export interface Sent {
  service: string;
  traceId: string;
  serverSpanId: string;
  clientSpanId: string;
  correlationId: string;
}

/**
 * One request through real SDK providers and real exporters: a SERVER span with a failing CLIENT child (exception
 * event with a fingerprint), an ERROR log inside the child, and an `http.server.request.duration` histogram.
 */
export async function sendScenario(protocol: Protocol, collector: Collector, service: string): Promise<Sent> {
  const resource = resourceFromAttributes({
    'service.name': service,
    'service.version': '1.2.3',
    'deployment.environment.name': 'test',
    'host.name': 'test-host',
  });
  const ex = exporters(protocol, collector);
  const tracerProvider = new BasicTracerProvider({ resource, spanProcessors: [new SimpleSpanProcessor(ex.traces)] });
  const loggerProvider = new LoggerProvider({
    resource,
    processors: [new SimpleLogRecordProcessor({ exporter: ex.logs })],
  });
  const reader = new PeriodicExportingMetricReader({ exporter: ex.metrics, exportIntervalMillis: 3_600_000 });
  const meterProvider = new MeterProvider({ resource, readers: [reader] });

  const tracer = tracerProvider.getTracer('collector-test', '0.0.1');
  const logger = loggerProvider.getLogger('collector-test');
  const histogram = meterProvider.getMeter('collector-test').createHistogram('http.server.request.duration', {
    unit: 's',
  });
  const correlationId = `req-${protocol}-${Math.random().toString(16).slice(2, 10)}`;

  const server = tracer.startSpan('POST /api/v1/payments/charge', {
    kind: SpanKind.SERVER,
    attributes: {
      'http.request.method': 'POST',
      'http.route': '/api/v1/payments/charge',
      'url.path': '/api/v1/payments/charge',
      'http.response.status_code': 502,
      'otelkit.correlation_id': correlationId,
      'user.id': 'user-12345',
      'payment.amount': 149.99,
      'payment.retry': false,
      'payment.tags': ['card', 'eu'],
    },
  });
  const serverCtx: Context = trace.setSpan(context.active(), server);
  const client = tracer.startSpan(
    'POST card-gateway /charge',
    { kind: SpanKind.CLIENT, attributes: { 'server.address': 'card-gateway' } },
    serverCtx,
  );
  client.addEvent('exception', {
    'exception.type': 'PaymentProcessingException',
    'exception.message': 'Failed to charge card: Insufficient funds',
    'exception.stacktrace':
      'PaymentProcessingException: Failed to charge card\n    at charge (/app/src/charge.js:10:5)',
    'otelkit.error.fingerprint': `payment-insufficient-funds-${protocol}`,
    'otelkit.error.severity': 'medium',
    'otelkit.error.category': 'integration',
  });
  client.setStatus({ code: SpanStatusCode.ERROR, message: 'Insufficient funds' });
  logger.emit({
    severityNumber: SeverityNumber.ERROR,
    severityText: 'ERROR',
    body: 'Failed to charge card',
    attributes: {
      'otelkit.correlation_id': correlationId,
      'exception.type': 'PaymentProcessingException',
      'exception.message': 'Failed to charge card: Insufficient funds',
      'otelkit.error.fingerprint': `payment-insufficient-funds-${protocol}`,
      'http.request.method': 'POST',
      'url.path': '/api/v1/payments/charge',
      'http.response.status_code': 402,
      'user.id': 'user-12345',
      payment_method: 'credit_card',
    },
    context: trace.setSpan(context.active(), client),
  });
  client.end();
  server.setStatus({ code: SpanStatusCode.ERROR });
  server.end();
  histogram.record(0.25, {
    'http.request.method': 'POST',
    'http.route': '/api/v1/payments/charge',
    'http.response.status_code': 200,
  });
  histogram.record(1.5, {
    'http.request.method': 'POST',
    'http.route': '/api/v1/payments/charge',
    'http.response.status_code': 502,
  });

  await tracerProvider.forceFlush();
  await loggerProvider.forceFlush();
  await meterProvider.forceFlush();
  await Promise.all([tracerProvider.shutdown(), loggerProvider.shutdown(), meterProvider.shutdown()]);
  return {
    service,
    traceId: server.spanContext().traceId,
    serverSpanId: server.spanContext().spanId,
    clientSpanId: client.spanContext().spanId,
    correlationId,
  };
}

/** GET a JSON API path on the collector's UI port. */
export async function getJson<T = unknown>(collector: Collector, path: string): Promise<{ status: number; body: T }> {
  const response = await fetch(new URL(path, collector.uiUrl));
  return { status: response.status, body: (await response.json()) as T };
}
