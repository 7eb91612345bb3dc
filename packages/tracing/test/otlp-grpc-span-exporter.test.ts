import { type ExportResult, ExportResultCode } from '@opentelemetry/core';
import { ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { afterEach, describe, expect, it } from 'vitest';
import { createOtlpGrpcSpanExporter } from '../src/export/otlp-grpc-span-exporter.js';
import { type FakeOtlpServer, startFakeOtlpServer } from './support/fake-otlp-server.js';
import { finishedSpans } from './support/spans.js';

describe('the OTLP/gRPC span exporter', () => {
  let server: FakeOtlpServer | undefined;
  afterEach(async () => {
    await server?.stop();
    server = undefined;
  });

  // The encoder writes every request into the same buffer; this holds only while the transport copies a request before
  // the next export is encoded. Exports started in one tick are the case that would show it.
  it('delivers exports started back to back, in one tick, each with its own spans', async () => {
    server = await startFakeOtlpServer([{ ok: true }]);
    const exporter = createOtlpGrpcSpanExporter({ url: server.url, timeoutMillis: 10_000 });
    const batches = [finishedSpans(300, 'first'), finishedSpans(40, 'second'), finishedSpans(300, 'third')];
    const results = await Promise.all(
      batches.map((batch) => new Promise<ExportResult>((resolve) => exporter.export(batch, resolve))),
    );
    await exporter.shutdown();
    expect(results.map((r) => r.code)).toEqual([
      ExportResultCode.SUCCESS,
      ExportResultCode.SUCCESS,
      ExportResultCode.SUCCESS,
    ]);
    expect(server.calls).toHaveLength(3);
    const sent = batches.map((batch) => Buffer.from(ProtobufTraceSerializer.serializeRequest(batch) as Uint8Array));
    // Calls may arrive in any order; each must be exactly one batch's request.
    const matched = server.calls.map((call) => sent.findIndex((bytes) => bytes.equals(call)));
    expect(matched.sort()).toEqual([0, 1, 2]);
  });
});
