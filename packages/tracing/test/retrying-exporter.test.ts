import { status } from '@grpc/grpc-js';
import { type ExportResult, ExportResultCode } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-grpc';
import { afterEach, describe, expect, it } from 'vitest';
import { retryInfoDelayMs, retryVerdict } from '../src/export/grpc-status.js';
import { createRetryingExporter } from '../src/export/retrying-exporter.js';
import { type Answer, type FakeOtlpServer, retryInfoStatus, startFakeOtlpServer } from './support/fake-otlp-server.js';
import { finishedSpans } from './support/spans.js';

describe('the retrying OTLP/gRPC exporter against a real gRPC server', () => {
  let server: FakeOtlpServer | undefined;
  afterEach(async () => {
    await server?.stop();
    server = undefined;
  });

  async function run(script: Answer[], timeoutMs = 10_000): Promise<{ result: ExportResult; calls: Buffer[] }> {
    server = await startFakeOtlpServer(script);
    const url = server.url;
    const exporter = createRetryingExporter({
      timeoutMs,
      initialBackoffMs: 20,
      maxBackoffMs: 100,
      load: () => new OTLPTraceExporter({ url, timeoutMillis: timeoutMs }),
    });
    const result = await new Promise<ExportResult>((resolve) => exporter.export(finishedSpans(3), resolve));
    await exporter.shutdown();
    return { result, calls: server.calls };
  }

  it('retries UNAVAILABLE until the server answers OK, sending the same batch', async () => {
    const { result, calls } = await run([{ code: status.UNAVAILABLE }, { code: status.UNAVAILABLE }, { ok: true }]);
    expect(result.code).toBe(ExportResultCode.SUCCESS);
    expect(calls).toHaveLength(3);
    expect(calls[2]!.equals(calls[0]!)).toBe(true);
  });

  for (const code of [
    status.CANCELLED,
    status.DEADLINE_EXCEEDED,
    status.ABORTED,
    status.OUT_OF_RANGE,
    status.DATA_LOSS,
  ]) {
    it(`retries ${status[code]}`, async () => {
      const { result, calls } = await run([{ code }, { ok: true }]);
      expect(result.code).toBe(ExportResultCode.SUCCESS);
      expect(calls).toHaveLength(2);
    });
  }

  for (const code of [
    status.INVALID_ARGUMENT,
    status.UNAUTHENTICATED,
    status.PERMISSION_DENIED,
    status.UNIMPLEMENTED,
    status.INTERNAL,
  ]) {
    it(`never retries ${status[code]}`, async () => {
      const { result, calls } = await run([{ code }, { ok: true }]);
      expect(result.code).toBe(ExportResultCode.FAILED);
      expect(calls).toHaveLength(1);
    });
  }

  it('does not retry RESOURCE_EXHAUSTED without RetryInfo', async () => {
    const { result, calls } = await run([{ code: status.RESOURCE_EXHAUSTED }, { ok: true }]);
    expect(result.code).toBe(ExportResultCode.FAILED);
    expect(calls).toHaveLength(1);
  });

  it('retries RESOURCE_EXHAUSTED with RetryInfo', async () => {
    const { result, calls } = await run([{ code: status.RESOURCE_EXHAUSTED, retryDelayMs: 150 }, { ok: true }]);
    expect(result.code).toBe(ExportResultCode.SUCCESS);
    expect(calls).toHaveLength(2);
  });

  it('gives up when the RetryInfo delay lies beyond the export deadline', async () => {
    const { result, calls } = await run(
      [{ code: status.RESOURCE_EXHAUSTED, retryDelayMs: 60_000 }, { ok: true }],
      2000,
    );
    expect(result.code).toBe(ExportResultCode.FAILED);
    expect(calls).toHaveLength(1);
  });

  it('never retries a partial success', async () => {
    const { result, calls } = await run([{ ok: true, partialRejected: 2 }, { ok: true }]);
    expect(result.code).toBe(ExportResultCode.SUCCESS);
    expect(calls).toHaveLength(1);
  });

  it('stops after five attempts when the server never recovers', async () => {
    const { result, calls } = await run([{ code: status.UNAVAILABLE }]);
    expect(result.code).toBe(ExportResultCode.FAILED);
    expect(calls).toHaveLength(5);
  });
});

describe('retry classification', () => {
  it('reads the RetryInfo delay from grpc-status-details-bin', () => {
    const metadata = { get: (k: string) => (k === 'grpc-status-details-bin' ? [retryInfoStatus(8, 2500)] : []) };
    expect(retryInfoDelayMs({ code: 8, metadata })).toBe(2500);
    expect(retryVerdict({ code: 8, metadata })).toEqual({ retry: true, delayMs: 2500 });
  });

  it('treats garbage trailers and non-gRPC errors as not retryable', () => {
    const metadata = { get: () => [Buffer.from([0xff, 0xff, 0xff])] };
    expect(retryVerdict({ code: 8, metadata })).toEqual({ retry: false });
    expect(retryVerdict(new Error('Concurrent export limit reached'))).toEqual({ retry: false });
    expect(retryVerdict(undefined)).toEqual({ retry: false });
  });
});
