import { spawn } from 'node:child_process';
import type { Collector } from '@otelkit/collector';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { allSpans, fixture, startTestCollector, waitFor } from './support/harness.js';

/** Runs a fixture to its end; asynchronously, because the collector answers from this process's event loop. */
function runFixture(
  file: string,
  env: Record<string, string>,
): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [file], {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => {
      err += d.toString();
    });
    child.once('close', (code) => resolve({ code, out, err }));
  });
}

// The published package is one CommonJS bundle with an ES module face; the gRPC exporter is a second bundle required
// on the first export. One process imports and requires both @otelkit/tracing and @otelkit/core (built output).
describe('one instance of @otelkit/tracing and @otelkit/core whether imported or required', () => {
  let collector: Collector;
  let result: {
    tracingNotIdentical: string[];
    coreNotIdentical: string[];
    sameRunningInstance: boolean;
    warnings: string[];
    inSpan: { ids: { traceId: string; spanId: string } | null; context: unknown };
    atStart: { exporter: boolean; grpc: boolean };
    afterExport: { exporter: boolean; grpc: boolean };
  };

  beforeAll(async () => {
    collector = await startTestCollector();
    const child = await runFixture(fixture('one-instance.mjs'), {
      OTEL_EXPORTER_OTLP_ENDPOINT: collector.otlpGrpcUrl,
      OTEL_SERVICE_NAME: 'one-instance',
    });
    expect(child.err).toBe('');
    expect(child.code).toBe(0);
    result = JSON.parse(child.out);
  }, 60_000);

  afterAll(async () => {
    await collector?.stop();
  });

  it('gives import and require the same exports', () => {
    expect(result.tracingNotIdentical).toEqual([]);
    expect(result.coreNotIdentical).toEqual([]);
  });

  it('starts once: startTracing through require returns the instance started through import', () => {
    expect(result.sameRunningInstance).toBe(true);
    expect(result.warnings).toEqual(['tracing.start.again']);
  });

  it('sees one context: a span started through require is current through import, with the context set through import', () => {
    expect(result.inSpan.ids?.traceId).toMatch(/^[0-9a-f]{32}$/);
    expect(result.inSpan.context).toEqual({ correlationId: 'corr-one-instance' });
  });

  it('loads the gRPC exporter on the first export, not at start', () => {
    expect(result.atStart).toEqual({ exporter: false, grpc: false });
    expect(result.afterExport).toEqual({ exporter: true, grpc: true });
  });

  it('exports the span through the lazily loaded exporter', async () => {
    const span = await waitFor(
      () => allSpans(collector).find((s) => s.name === 'one instance'),
      'the span of the one-instance fixture',
    );
    expect(span.traceId).toBe(result.inSpan.ids?.traceId);
    expect(span.service).toBe('one-instance');
  });
});
