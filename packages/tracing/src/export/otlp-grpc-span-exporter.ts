import { OTLPExporterBase } from '@opentelemetry/otlp-exporter-base';
import { convertLegacyOtlpGrpcOptions, createOtlpGrpcExportDelegate } from '@opentelemetry/otlp-grpc-exporter-base';
import { ProtobufTraceSerializer, TraceExporterMetricsHelper } from '@opentelemetry/otlp-transformer';
import type { ReadableSpan, SpanExporter } from '@opentelemetry/sdk-trace-base';
import { SpanEncoder } from './span-encoder.js';

/** What `OTLPTraceExporter` of @opentelemetry/exporter-trace-otlp-grpc passes for its own metrics and its gRPC path. */
const COMPONENT_TYPE = 'otlp_grpc_span_exporter';
const SERVICE = 'TraceExportService';
const PATH = '/opentelemetry.proto.collector.trace.v1.TraceService/Export';

/**
 * The stock OTLP/gRPC trace exporter (the same gRPC transport, options, `OTEL_EXPORTER_OTLP_*` variables and response
 * handling as `OTLPTraceExporter`), with {@link SpanEncoder} in place of `ProtobufTraceSerializer`: the same bytes for
 * less work on the event loop. Should the encoder ever throw, the upstream serializer encodes that batch.
 *
 * The encoder hands over a view of its own buffer, which it writes over on the next export. That is safe because
 * the delegate passes the request straight to `GrpcExporterTransport.send`, which copies it (`Buffer.from`) before
 * it returns and never sends it again (the gRPC path of the 0.2xx line has no retrying transport; retries here
 * re-export the spans). A test sends exports back to back in one tick and checks every request the server receives.
 */
export function createOtlpGrpcSpanExporter(config: { url: string; timeoutMillis: number }): SpanExporter {
  const encoder = new SpanEncoder();
  const serializer = {
    serializeRequest(spans: ReadableSpan[]): Uint8Array | undefined {
      try {
        return encoder.encode(spans);
      } catch {
        return ProtobufTraceSerializer.serializeRequest(spans);
      }
    },
    deserializeResponse: (data: Uint8Array) => ProtobufTraceSerializer.deserializeResponse(data),
  };
  return new OTLPExporterBase(
    createOtlpGrpcExportDelegate(
      convertLegacyOtlpGrpcOptions(config, 'TRACES'),
      serializer,
      COMPONENT_TYPE,
      TraceExporterMetricsHelper,
      undefined,
      SERVICE,
      PATH,
    ),
  );
}
